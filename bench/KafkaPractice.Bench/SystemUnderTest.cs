using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using KafkaPractice.AppHost.Security;
using KafkaPractice.Bench.Load;
using KafkaPractice.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaPractice.Bench;

/// <summary>
/// The running system: started here in Local mode on free ports with a state folder of its own
/// (and disposed at the end), or a running one the harness attaches to.
/// </summary>
public sealed class SystemUnderTest : IAsyncDisposable
{
    public const string Api = "producer-api";
    public const string Worker = "consumer-worker";
    private static readonly string[] Resources = ["kafka", "mysql", "appdb", "redis", Api, Worker];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly string? _stateDirectory;
    private readonly List<string> _processMarkers = [];

    private SystemUnderTest(DistributedApplication? app, string? stateDirectory, Uri apiBase, string kafka, string appDb, string redis, string adminApiKey)
    {
        AdminApiKey = adminApiKey;
        App = app;
        _stateDirectory = stateDirectory;
        ApiBase = apiBase;
        KafkaBootstrap = kafka;
        AppDbConnectionString = appDb;
        RedisConnectionString = redis;
    }

    /// <summary>Null when attached: then resource commands are not available.</summary>
    public DistributedApplication? App { get; }
    public Uri ApiBase { get; }
    public string KafkaBootstrap { get; }
    public string AppDbConnectionString { get; }
    public string RedisConnectionString { get; }
    /// <summary>The key for POST /campaigns: the AppHost's parameter admin-api-key.</summary>
    public string AdminApiKey { get; }

    public static SystemUnderTest Attach(BenchOptions options) =>
        new(null, null, options.Attach!, options.KafkaBootstrap!, options.AppDbConnectionString!, options.RedisConnectionString!, options.AdminApiKey!);

    public static async Task<SystemUnderTest> StartAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var stateDirectory = Path.Combine(Path.GetTempPath(), $"kafkapractice-bench-{Guid.NewGuid():N}"[..36]);
        var kafkaPort = FreePorts.Consecutive(3, PortPool.Bench);
        var redisPort = FreePorts.One(PortPool.Bench);
        string[] args =
        [
            "--Infrastructure:Mode=Local",
            $"--Local:KafkaFirstBrokerPort={kafkaPort}",
            $"--Local:KafkaControlPort={FreePorts.One(PortPool.Bench)}",
            $"--Local:MySqlPort={FreePorts.One(PortPool.Bench)}",
            $"--Local:RedisPort={redisPort}",
            $"--Local:StateDirectory={stateDirectory}",
            .. options.AppHostArguments,
        ];
        // The dashboard as ./run.sh starts it (on ports the testing builder picks), so that the
        // services' telemetry goes where it goes for a person running the system.
        if (options.Dashboard)
        {
            args = [.. args, "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true"];
        }
        Progress.Say($"Starting the system in Local mode (state in {stateDirectory}, {(options.Dashboard ? "with the dashboard" : "no dashboard")}) ...");
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, (o, _) => o.DisableDashboard = !options.Dashboard, cancellationToken);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error)
            // The resources' own console output is not the harness's.
            .AddFilter("AppHost.Resources", LogLevel.None));
        foreach (var (resource, name, value) in options.ResourceEnvironment)
        {
            builder.Resources.Single(r => r.Name == resource).Annotations.Add(new EnvironmentCallbackAnnotation(e => e.EnvironmentVariables[name] = value));
        }
        var app = await builder.BuildAsync(cancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            await app.StartAsync(timeout.Token);
            await Task.WhenAll(Resources.Select(r => app.ResourceNotifications.WaitForResourceHealthyAsync(r, timeout.Token)));
            var kafka = await app.GetConnectionStringAsync("kafka", cancellationToken) ?? throw new InvalidOperationException("kafka has no connection string.");
            var appDb = await app.GetConnectionStringAsync("appdb", cancellationToken) ?? throw new InvalidOperationException("appdb has no connection string.");
            var redis = await app.GetConnectionStringAsync("redis", cancellationToken) ?? throw new InvalidOperationException("redis has no connection string.");
            // Several API replicas are reached together only through the proxy that spreads over them.
            var viaProxy = options.ViaProxy || ApiReplicas(options) > 1;
            var apiBase = viaProxy ? app.GetEndpoint(Api, "http") : DirectApiAddress(app) ?? app.GetEndpoint(Api, "http");
            // The resource can read as healthy before the API listens; wait until it answers itself.
            await WaitForHealthAsync(apiBase, timeout.Token);
            Progress.Say($"System healthy; API at {apiBase} (proxy {app.GetEndpoint(Api, "http")})");
            var adminApiKey = await app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>()
                .Single(p => p.Name == AdminApiKeyExtensions.ParameterName).GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException("The parameter admin-api-key has no value.");
            var started = new SystemUnderTest(app, stateDirectory, apiBase, kafka, appDb, redis, adminApiKey);
            started._processMarkers.AddRange([stateDirectory, $"127.0.0.1:{kafkaPort}", $"127.0.0.1:{redisPort}", $"localhost:{redisPort}"]);

            return started;
        }
        catch
        {
            await app.DisposeAsync();
            TryDelete(stateDirectory);
            throw;
        }
    }

    /// <summary>The <c>--Services:ProducerApiReplicas=N</c> passed to the AppHost (1 when absent).</summary>
    private static int ApiReplicas(BenchOptions options) =>
        options.AppHostArguments
            .Select(a => a.Split('=', 2))
            .Where(p => p.Length == 2 && p[0].Equals("--Services:ProducerApiReplicas", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.TryParse(p[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1)
            .LastOrDefault(1);

    /// <summary>
    /// The API's own listening address (its ASPNETCORE_URLS), so requests do not pass through the
    /// AppHost's endpoint proxy, a hop a deployed API would not have.
    /// </summary>
    private static Uri? DirectApiAddress(DistributedApplication app)
    {
        if (!app.ResourceNotifications.TryGetCurrentState(Api, out var e))
        {
            return null;
        }
        var urls = e.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value;
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal));
        return first is null || !Uri.TryCreate(first, UriKind.Absolute, out var uri)
            ? null
            : new UriBuilder(uri) { Host = "127.0.0.1" }.Uri;
    }

    private static async Task WaitForHealthAsync(Uri apiBase, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = apiBase, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    public async Task ExecuteCommandAsync(string resource, string command, CancellationToken cancellationToken)
    {
        var app = App ?? throw new InvalidOperationException("Resource commands need the harness to start the system.");
        // By the model's resource, not its name: a replicated resource's instances have names of
        // their own, and the command then runs on every instance.
        var model = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        var result = await app.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(model, command, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Command {command} on {resource} failed: {result.Message}");
        }
    }

    /// <summary>
    /// The process id of a resource: the process whose command line names its program, started by
    /// this harness (projects run under a <c>dotnet run</c> parent, which is what the resource
    /// snapshot names); else the pid in the snapshot.
    /// </summary>
    public int? FindPid(string resource)
    {
        var program = resource switch
        {
            Api => "Producer.Api",
            Worker => "Consumer.Worker",
            "kafka" => "Kafka.Emulator",
            "mysql" => "mariadbd",
            "redis" => "redis-server",
            CpuSampler.DashboardProcess => "Aspire.Dashboard",
            _ => resource,
        };
        if (resource == CpuSampler.DashboardProcess)
        {
            // Its command line and environment name nothing of this run. DCP starts it, and DCP runs
            // detached, watching this process (--monitor <pid>): the dashboard is a descendant of that DCP.
            return ProcessMemory.FindWithArgument("dcp", $"--monitor {Environment.ProcessId} ") is { } dcp
                ? ProcessMemory.FindDescendant(program, dcp)
                : null;
        }
        if (ProcessMemory.FindByCommandLine(program, _processMarkers) is { } pid)
        {
            return pid;
        }
        if (App is not null && App.ResourceNotifications.TryGetCurrentState(resource, out var e))
        {
            foreach (var p in e.Snapshot.Properties)
            {
                if (p.Name.EndsWith(".pid", StringComparison.OrdinalIgnoreCase) && int.TryParse(p.Value?.ToString(), out var snapshotPid) && snapshotPid > 0)
                {
                    return snapshotPid;
                }
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            Progress.Say("Stopping the system ...");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await App.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Disposing stops whatever is left.
            }
            await App.DisposeAsync();
        }
        if (_stateDirectory is not null)
        {
            TryDelete(_stateDirectory);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be releasing a file; it is in the temp folder anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
