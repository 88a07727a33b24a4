using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaPractice.Tests.AppHost;

/// <summary>The trace-sampling settings given to the AppHost reach every .NET service, and only when given.</summary>
public sealed class TraceSamplingSettingsTests
{
    private static readonly string[] DotNetServices = ["producer-api", "consumer-worker", "db-migrator", "kafka"];

    [Fact]
    public async Task Settings_given_to_the_apphost_reach_every_dotnet_service()
    {
        var environments = await EnvironmentsAsync(
            "--OpenTelemetry:MaxTracesPerSecond=50", "--OTEL_TRACES_SAMPLER=parentbased_always_on", "--OpenTelemetry:LogsFollowTraceSampling=False");

        foreach (var service in DotNetServices)
        {
            Assert.Equal("50", environments[service].GetValueOrDefault("OpenTelemetry__MaxTracesPerSecond") as string);
            Assert.Equal("parentbased_always_on", environments[service].GetValueOrDefault("OTEL_TRACES_SAMPLER") as string);
            Assert.Equal("false", environments[service].GetValueOrDefault("OpenTelemetry__LogsFollowTraceSampling") as string);
        }
    }

    [Fact]
    public async Task Without_settings_each_service_keeps_its_own_default_not_aspires_record_everything()
    {
        var environments = await EnvironmentsAsync();

        foreach (var service in DotNetServices)
        {
            Assert.DoesNotContain("OpenTelemetry__MaxTracesPerSecond", environments[service].Keys);
            Assert.DoesNotContain("OTEL_TRACES_SAMPLER", environments[service].Keys);
            Assert.DoesNotContain("OpenTelemetry__LogsFollowTraceSampling", environments[service].Keys);
        }
    }

    /// <summary>
    /// Each service's environment as its callbacks build it in run mode, Aspire's own included, with
    /// values left unresolved (resolving would wait for endpoints that only a started app allocates).
    /// </summary>
    internal static async Task<Dictionary<string, Dictionary<string, object>>> EnvironmentsAsync(params string[] args)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["--Infrastructure:Mode=Local", .. args]);
        await using var app = await builder.BuildAsync();
        var execution = app.Services.GetRequiredService<DistributedApplicationExecutionContext>();
        Assert.True(execution.IsRunMode);
        var environments = new Dictionary<string, Dictionary<string, object>>();
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>().Where(r => DotNetServices.Contains(r.Name)))
        {
            var variables = new Dictionary<string, object>();
            var context = new EnvironmentCallbackContext(execution, resource, variables);
            foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(context).WaitAsync(TimeSpan.FromSeconds(30));
            }
            environments[resource.Name] = variables;
        }
        Assert.Equal(DotNetServices.Order(), environments.Keys.Order());
        // Aspire's own telemetry settings are there, so its sampler would be too without the AppHost's removal.
        Assert.All(environments.Values, e => Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", e.Keys));
        return environments;
    }
}
