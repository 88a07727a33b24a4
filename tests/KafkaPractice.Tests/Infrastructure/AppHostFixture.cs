using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.AppHost.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaPractice.Tests.Infrastructure;

/// <summary>
/// Starts the whole system once per test collection, in the mode <see cref="TestMode"/> names (Local
/// by default), on ports and a state folder of its own, and waits until every resource is healthy.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    /// <summary>Containers mode may pull images first.</summary>
    public static readonly TimeSpan StartTimeout = TestMode.IsContainers ? TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(3);

    public static readonly string[] Resources = ["kafka", "mysql", "appdb", "redis", "producer-api", "consumer-worker"];

    private readonly string _stateDirectory = Path.Combine(Path.GetTempPath(), $"kafkapractice-tests-{Guid.NewGuid():N}"[..36]);

    /// <summary>Local mode's data and run folders of this system (<c>Local:StateDirectory</c>).</summary>
    public string StateDirectory => _stateDirectory;

    public DistributedApplication App { get; private set; } = null!;

    public int KafkaFirstBrokerPort { get; } = FreePorts.Consecutive(3);
    public int KafkaControlPort { get; } = FreePorts.One();
    public int MySqlPort { get; } = FreePorts.One();
    public int RedisPort { get; } = FreePorts.One();

    /// <summary>How long this system may take to start (a system with more processes may want more than <see cref="StartTimeout"/>).</summary>
    public TimeSpan StartupTimeout { get; set; } = StartTimeout;

    /// <summary>Extra AppHost arguments a derived fixture wants (e.g. a smaller coupon stock).</summary>
    public IList<string> ExtraArguments { get; } = [];

    public Uri KafkaControlUrl => new($"http://127.0.0.1:{KafkaControlPort}");

    /// <summary>Runs the moment a resource is reported healthy, before the others are waited for (e.g. to send a first request right then).</summary>
    public Func<string, Task>? OnResourceHealthy { get; set; }

    public async Task InitializeAsync()
    {
        string[] args = TestMode.IsContainers
            ?
            [
                "--Infrastructure:Mode=Containers",
                $"--Containers:KafkaFirstBrokerPort={KafkaFirstBrokerPort}",
                "--Containers:DataVolumes=false", // every run starts empty, as Local mode's temp state folder does
                .. ExtraArguments,
            ]
            :
            [
                "--Infrastructure:Mode=Local",
                $"--Local:KafkaFirstBrokerPort={KafkaFirstBrokerPort}",
                $"--Local:KafkaControlPort={KafkaControlPort}",
                $"--Local:MySqlPort={MySqlPort}",
                $"--Local:RedisPort={RedisPort}",
                $"--Local:StateDirectory={_stateDirectory}",
                .. ExtraArguments,
            ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(args, (options, _) =>
        {
            options.DisableDashboard = true;
        });
        // The AppHost's appsettings log at Information, and every resource's console output is
        // forwarded as "AppHost.Resources.*" (stderr lines as errors, though mariadbd and
        // librdkafka write their notes there): keep those out of the test log; tests that need a
        // resource's output read it through ResourceLoggerService. Health checks failing while a
        // test stops a resource on purpose are expected, and the test asserts what matters.
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("AppHost.Resources", LogLevel.None)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
            .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error));

        App = await builder.BuildAsync();
        using var cts = new CancellationTokenSource(StartupTimeout);
        await App.StartAsync(cts.Token);
        await Task.WhenAll(Resources.Select(r => WaitHealthyAsync(r, cts.Token)));
        AdminApiKey = await ReadAdminApiKeyAsync(App, cts.Token);
    }

    /// <summary>The admin key for <c>POST /campaigns</c>, read as a user reads it: the AppHost's parameter <c>admin-api-key</c>.</summary>
    public string AdminApiKey { get; private set; } = "";

    public static async Task<string> ReadAdminApiKeyAsync(DistributedApplication app, CancellationToken ct)
    {
        var parameter = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>()
            .Single(p => p.Name == AdminApiKeyExtensions.ParameterName);
        return await parameter.GetValueAsync(ct) ?? throw new InvalidOperationException($"Parameter '{parameter.Name}' has no value.");
    }

    private async Task WaitHealthyAsync(string resource, CancellationToken ct)
    {
        try
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);
            if (OnResourceHealthy is { } onHealthy)
            {
                await onHealthy(resource);
            }
        }
        catch (OperationCanceledException)
        {
            var state = App.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.Snapshot.State?.Text : "unknown";
            throw new TimeoutException($"Resource '{resource}' was not healthy within {StartupTimeout} (state: {state}).{await RecentLogAsync(resource)}");
        }
        catch (DistributedApplicationException ex)
        {
            // The fixture keeps resource output out of the test log; when a resource fails to start,
            // its own last lines are what says why.
            throw new DistributedApplicationException($"{ex.Message}{await RecentLogAsync(resource)}", ex);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines a resource logged (for a replicated one, its first instance), for a failure message.</summary>
    public async Task<string> RecentLogAsync(string resource, int lines = 30)
    {
        var instance = App.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.ResourceId : resource;
        var recent = new Queue<string>();
        using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var batch in App.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(instance).WithCancellation(reading.Token))
            {
                foreach (var line in batch)
                {
                    recent.Enqueue(line.Content);
                    if (recent.Count > lines)
                    {
                        recent.Dequeue();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The backlog comes first; two seconds are enough to read it.
        }
        return recent.Count == 0 ? "" : $"{Environment.NewLine}Last lines of '{resource}':{Environment.NewLine}{string.Join(Environment.NewLine, recent)}";
    }

    public HttpClient CreateApiClient() => App.CreateHttpClient("producer-api");

    /// <summary>A client that sends the admin key on every request (for <c>POST /campaigns</c>).</summary>
    public HttpClient CreateAdminApiClient()
    {
        var client = CreateApiClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminApiKey);
        return client;
    }

    public async Task<string> GetConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource)
        ?? throw new InvalidOperationException($"Resource '{resource}' has no connection string.");

    public async Task<ExecuteCommandResult> ExecuteCommandAsync(string resource, string command, CancellationToken ct = default) =>
        await App.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(resource, command, ct);

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be releasing a file; the folder is in the temp directory anyway.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "apphost";
}
