using KafkaPractice.Messaging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>Builds and runs the emulator: the mock cluster, its forwarders and the control API.</summary>
public static class EmulatorHost
{
    public static WebApplication Build(string[] args, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        // Settings next to the binary apply whatever the working directory is.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }
        ControlApiBinding.ThrowIfNotLoopbackOnly(builder.Configuration);
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"])
            && string.IsNullOrWhiteSpace(builder.Configuration["http_ports"])
            && string.IsNullOrWhiteSpace(builder.Configuration["https_ports"])
            && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(EmulatorOptions.DefaultControlUrl);
        }

        builder.AddBasicServiceDefaults();
        // The AppHost reads GET /cluster and GET /offsets every second for the dashboard's view of the
        // brokers. A trace for each would fill the dashboard's trace list with two polls a second and
        // bury the requests a person looks for; the broker actions (POST) are still traced.
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(o =>
        {
            var previous = o.Filter;
            o.Filter = context => !IsPolledView(context.Request) && (previous?.Invoke(context) ?? true);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddOptions<EmulatorOptions>().Bind(builder.Configuration.GetSection(EmulatorOptions.SectionName));
        builder.Services.AddSingleton(KafkaTopology.From(builder.Configuration));
        builder.Services.AddSingleton<ClusterController>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterController>());
        builder.Services.AddSingleton<RetentionMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionMonitor>());
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("kafka-mock-cluster");

        var app = builder.Build();
        app.MapDefaultEndpoints();
        MapControlApi(app);
        return app;
    }

    private const string ClusterPath = "/cluster";
    private const string OffsetsPath = "/offsets";

    /// <summary>The read-only views the AppHost polls (not traced).</summary>
    public static bool IsPolledView(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && (request.Path.Equals(ClusterPath, StringComparison.OrdinalIgnoreCase) || request.Path.Equals(OffsetsPath, StringComparison.OrdinalIgnoreCase));

    public static void MapControlApi(IEndpointRouteBuilder app)
    {
        app.MapGet(ClusterPath, (ClusterController controller) => Results.Ok(controller.Describe()));
        app.MapGet(OffsetsPath, async (ClusterController controller) => Results.Ok(await controller.OffsetsAsync()));
        app.MapGet("/unsupported-requests", (ClusterController controller) => Results.Ok(controller.UnsupportedRequests()));
        app.MapPost("/brokers/{id:int}/stop", async (int id, ClusterController controller, CancellationToken ct) =>
            await controller.StopBrokerAsync(id, ct) is { } cluster ? Results.Ok(cluster) : UnknownBroker(id, controller));
        app.MapPost("/brokers/{id:int}/start", async (int id, ClusterController controller, CancellationToken ct) =>
            await controller.StartBrokerAsync(id, ct) is { } cluster ? Results.Ok(cluster) : UnknownBroker(id, controller));
        app.MapPost("/brokers/{id:int}/drop-responses", (int id, ClusterController controller) =>
            controller.DropResponses(id) is { } cluster ? Results.Ok(cluster) : UnknownBroker(id, controller));
        app.MapPost("/brokers/{id:int}/deliver-responses", (int id, ClusterController controller) =>
            controller.DeliverResponses(id) is { } cluster ? Results.Ok(cluster) : UnknownBroker(id, controller));
        app.MapPost("/brokers/{id:int}/delay-visibility", (int id, int? seconds, ClusterController controller) =>
            seconds is not (> 0 and <= 600)
                ? Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid delay",
                    detail: "Query parameter 'seconds' must be an integer from 1 to 600.", type: "https://kafka-practice.local/problems/invalid-delay")
                : controller.DelayVisibility(id, TimeSpan.FromSeconds(seconds.Value)) is { } cluster ? Results.Ok(cluster) : UnknownBroker(id, controller));
        app.MapPost("/brokers/{id:int}/cancel-delay-visibility", (int id, ClusterController controller) =>
            controller.DelayVisibility(id, null) is { } cluster ? Results.Ok(cluster) : UnknownBroker(id, controller));
    }

    private static IResult UnknownBroker(int id, ClusterController controller) => Results.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Unknown broker",
        detail: $"There is no broker {id}; brokers are numbered 1 to {controller.Describe().Brokers.Count}.",
        type: "https://kafka-practice.local/problems/unknown-broker");

    /// <summary>Starts an emulator in this process (used by tests and tools).</summary>
    public static async Task<RunningEmulator> StartAsync(IEnumerable<KeyValuePair<string, string?>> configuration, CancellationToken ct = default)
    {
        var app = Build([], configuration);
        await app.StartAsync(ct).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var controlUrl = addresses?.FirstOrDefault() ?? EmulatorOptions.DefaultControlUrl;
        return new RunningEmulator(app, app.Services.GetRequiredService<ClusterController>(), new Uri(controlUrl));
    }
}

public sealed class RunningEmulator(WebApplication app, ClusterController controller, Uri controlUrl) : IAsyncDisposable
{
    public ClusterController Controller { get; } = controller;
    public Uri ControlUrl { get; } = controlUrl;
    public string Bootstrap => Controller.Bootstrap;
    public IServiceProvider Services => app.Services;

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
