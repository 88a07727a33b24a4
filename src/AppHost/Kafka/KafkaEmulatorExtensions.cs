using System.Net.Http.Json;
using System.Reflection;
using KafkaPractice.AppHost.Infrastructure;
using KafkaPractice.Messaging;

namespace KafkaPractice.AppHost.Kafka;

public static class KafkaEmulatorExtensions
{
    /// <summary>
    /// Adds the Kafka emulator (src/Kafka.Emulator) as resource <paramref name="name"/>, with one
    /// fixed loopback port per broker, the topology's topics, a control endpoint, and the
    /// <c>stop-broker-N</c>/<c>start-broker-N</c> commands.
    /// </summary>
    public static IResourceBuilder<KafkaEmulatorResource> AddKafkaEmulator(
        this IDistributedApplicationBuilder builder, string name, KafkaTopology topology, LocalSettings local)
    {
        var projectDirectory = Path.GetDirectoryName(new Projects.Kafka_Emulator().ProjectPath)!;
        var assemblyPath = Path.Combine(projectDirectory, "bin", BuildConfiguration, "net10.0", "Kafka.Emulator.dll");

        var resource = new KafkaEmulatorResource(name, projectDirectory) { BrokerCount = topology.Brokers };
        var controlUrl = $"http://127.0.0.1:{local.KafkaControlPort}";

        Task<ExecuteCommandResult> ExecuteBrokerAction(ExecuteCommandContext context, int brokerId, string action) =>
            PostToControlApiAsync(context, $"{controlUrl}/brokers/{brokerId}/{action}");

        var emulator = builder.AddResource(resource)
            .WithArgs(assemblyPath, "--urls", controlUrl)
            .WithHttpEndpoint(port: local.KafkaControlPort, targetPort: local.KafkaControlPort,
                name: KafkaEmulatorResource.ControlEndpointName, isProxied: false)
            .WithEnvironment("Emulator__Host", "127.0.0.1")
            .WithEnvironment("Emulator__FirstBrokerPort", local.KafkaFirstBrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
            .WithTopology(topology)
            .WithHttpHealthCheck("/health", endpointName: KafkaEmulatorResource.ControlEndpointName)
            .WithOtlpExporter()
            .WithTraceSampling(builder.Configuration)
            .WithIconName("DataUsage")
            .WithBrokerCommands(topology.Brokers, ExecuteBrokerAction)
            .WithBrokerResources(new Uri(controlUrl), ExecuteBrokerAction);

        for (var id = 1; id <= topology.Brokers; id++)
        {
            var port = local.KafkaFirstBrokerPort + id - 1;
            emulator.WithEndpoint(port: port, targetPort: port, scheme: "tcp",
                name: KafkaEmulatorResource.BrokerEndpointName(id), isProxied: false);
        }

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (_, _) =>
            File.Exists(assemblyPath)
                ? Task.CompletedTask
                : throw new FileNotFoundException(
                    $"The Kafka emulator is not built ({assemblyPath} is missing). Build the solution first: dotnet build KafkaPractice.sln -c {BuildConfiguration}."));
        return emulator;
    }

    /// <summary>The configuration this AppHost was built in; the emulator is built alongside it.</summary>
    private static string BuildConfiguration =>
        typeof(KafkaEmulatorExtensions).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static async Task<ExecuteCommandResult> PostToControlApiAsync(ExecuteCommandContext context, string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.PostAsync(url, content: null, context.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success()
                : CommandResults.Failure($"The emulator answered {(int)response.StatusCode}: {body}");
        }
        catch (HttpRequestException ex)
        {
            return CommandResults.Failure($"The emulator's control API did not answer: {ex.Message}");
        }
    }

    /// <summary>Passes the topology to a resource as <c>KafkaTopology__*</c> environment variables.</summary>
    public static IResourceBuilder<T> WithTopology<T>(this IResourceBuilder<T> builder, KafkaTopology topology)
        where T : IResourceWithEnvironment
    {
        foreach (var (key, value) in topology.ToConfiguration())
        {
            builder.WithEnvironment(key, value);
        }
        return builder;
    }
}
