using System.Collections.Concurrent;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace KafkaPractice.Tests.Reliability;

/// <summary>A system of its own with two producer-api and three consumer-worker replicas, every instance healthy.</summary>
public sealed class ReplicaSystemFixture : IAsyncLifetime
{
    public const int ApiReplicas = 2;
    public const int WorkerReplicas = 3;

    public AppHostFixture System { get; } = new();

    public IReadOnlyList<string> Apis { get; private set; } = [];
    public IReadOnlyList<string> Workers { get; private set; } = [];

    public async Task InitializeAsync()
    {
        // Five service processes start together on a small machine: more time than one of each.
        System.StartupTimeout = AppHostFixture.StartTimeout * 2;
        System.ExtraArguments.Add($"--Services:ProducerApiReplicas={ApiReplicas}");
        System.ExtraArguments.Add($"--Services:ConsumerWorkerReplicas={WorkerReplicas}");
        await System.InitializeAsync();
        Apis = await ResourceInstances.OfAsync(System.App, "producer-api", ApiReplicas, System.StartupTimeout);
        Workers = await ResourceInstances.OfAsync(System.App, "consumer-worker", WorkerReplicas, System.StartupTimeout);
        Assert.Equal(ApiReplicas, Apis.Count);
        Assert.Equal(WorkerReplicas, Workers.Count);
        // The fixture waited for the resources; a replicated one reads healthy with its first
        // instance (its health is read through the shared endpoint): wait for each on its own address.
        await Task.WhenAll(Apis.Concat(Workers).Select(i => ResourceInstances.WaitServingAsync(System.App, i, System.StartupTimeout)));
    }

    public Task DisposeAsync() => System.DisposeAsync();
}

/// <summary>
/// The fault scenarios that need several replicas: one instance fails while the others serve, under
/// the same mixed load and the same checks as <see cref="FaultScenarioTests"/> (every 202 in MySQL
/// once, no refused request left anything, coupons never above the stock, Redis's count equal to
/// MySQL's once settled), with two API and three worker replicas.
/// </summary>
[Trait("Category", "Faults")]
public sealed class ReplicaFaultScenarioTests(ReplicaSystemFixture replicas, ITestOutputHelper output)
    : FaultScenarioBase(replicas.System, output), IClassFixture<ReplicaSystemFixture>
{
    private static readonly TimeSpan InstanceTimeout = RecoveryBound;

    protected override IReadOnlyList<string> ApiInstances => replicas.Apis;

    [Fact]
    public Task One_worker_replica_killed_hands_its_partitions_over_and_loses_nothing()
    {
        var victim = replicas.Workers[^1];
        return RunAsync(new Scenario(
            "One of 3 worker replicas killed hard",
            "SIGKILL to one `consumer-worker` replica (2 API, 3 worker replicas); it stays down until the other two have committed past every record written before the kill, then `resource-start` on that replica",
            Hold: TimeSpan.FromSeconds(3),
            Inject: _ => ResourceInstances.KillAsync(Fixture.App, victim, InstanceTimeout),
            Clear: () => StartInstanceAsync(victim),
            Effect: _ => WaitForPartitionsTakenOverAsync(victim)));
    }

    [Fact]
    public Task One_api_replica_killed_mid_burst_leaks_no_stock_while_the_other_serves()
    {
        var victim = replicas.Apis[0];
        var survivor = replicas.Apis[1];
        return RunAsync(new Scenario(
            "One of 2 API replicas killed hard",
            "a burst, then SIGKILL to one `producer-api` replica with requests in flight; 3 s down, `resource-start` on that replica",
            Hold: TimeSpan.FromSeconds(3),
            Inject: async load =>
            {
                load.Burst(coupons: 50, registrations: 50);
                await Task.Delay(20);
                await ResourceInstances.KillAsync(Fixture.App, victim, InstanceTimeout);
            },
            Clear: () => StartInstanceAsync(victim),
            Unavailability: Unavailability.Tolerated,
            Effect: _ => AssertInstanceServesAsync(survivor)));
    }

    [Fact]
    public Task Redis_flushed_under_two_api_replicas_never_over_issues()
    {
        string? campaignId = null;
        return RunAsync(new Scenario(
            "Redis flushed, 2 API replicas",
            "`FLUSHALL` while both `producer-api` replicas serve coupons (the load calls each on its own address in turn): both rebuild the campaign from MySQL at once",
            Hold: TimeSpan.FromSeconds(2),
            Inject: async load =>
            {
                campaignId = load.CampaignId;
                await using var redis = await CouponsApiClient.ConnectRedisAsync(Fixture);
                await redis.GetServers()[0].FlushAllDatabasesAsync();
            },
            Clear: () => Task.CompletedTask,
            Unavailability: Unavailability.Required,
            Effect: async load =>
            {
                await using var redis = await CouponsApiClient.ConnectRedisAsync(Fixture);
                Assert.False(await redis.GetDatabase().KeyExistsAsync(CouponStock.HoldersKey(load.CampaignId)), "The campaign's keys survived the flush.");
            },
            // Each replica met the lost keys itself: both served coupons across the flush.
            AfterClear: () => Task.WhenAll(replicas.Apis.Select(api =>
                WaitForLogAsync(api, $"Campaign {campaignId} is not in Redis; rebuilding it from MySQL"))),
            // On each replica's own address in turn: the shared endpoint is a TCP proxy that pins a
            // connection to one replica, and a load that needs few connections could reach one only.
            LoadTargets: async () => await Task.WhenAll(replicas.Apis.Select(api => ResourceInstances.WaitServingAsync(Fixture.App, api, InstanceTimeout)))));
    }

    [Fact]
    public async Task A_race_of_2000_members_for_100_coupons_over_both_api_replicas_issues_exactly_100()
    {
        const int racers = 2000;
        const int stock = 100;
        var members = await CouponsApiClient.SeedMembersAsync(Fixture, racers);
        var campaignId = await Fixture.CreateCampaignAsync(stock, "Replica race");
        var addresses = await Task.WhenAll(replicas.Apis.Select(api => ResourceInstances.WaitServingAsync(Fixture.App, api, InstanceTimeout)));
        var answers = new ConcurrentBag<(int Instance, int Status, string Slug)>();

        await RunAsync(new Scenario(
            "Coupon race over 2 API replicas",
            $"{racers:N0} members ask for a campaign of stock {stock}, half through each `producer-api` replica's own address, 100 at a time",
            Hold: TimeSpan.Zero,
            Inject: _ => Task.CompletedTask,
            Clear: () => Task.CompletedTask,
            Effect: async _ =>
            {
                var clients = addresses.Select(a => new HttpClient { BaseAddress = a, Timeout = TimeSpan.FromSeconds(30) }).ToArray();
                try
                {
                    using var gate = new SemaphoreSlim(100);
                    await Task.WhenAll(members.Select(async (memberId, i) =>
                    {
                        await gate.WaitAsync();
                        try
                        {
                            var instance = i % clients.Length;
                            var (status, slug) = await CouponsApiClient.RequestUntilAnsweredAsync(() => clients[instance].RequestCouponAsync(campaignId, memberId));
                            answers.Add((instance, status, slug));
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }));
                }
                finally
                {
                    foreach (var client in clients)
                    {
                        client.Dispose();
                    }
                }
            }));

        Assert.Equal(racers, answers.Count);
        Assert.All(Enumerable.Range(0, addresses.Length), i => Assert.Equal(racers / addresses.Length, answers.Count(a => a.Instance == i)));
        var outcomes = answers.GroupBy(a => $"{a.Status} {a.Slug}".Trim()).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(outcomes.Keys.All(k => k is "202" or "409 sold-out"), $"Answers other than 202 and 409 sold-out: {string.Join(", ", outcomes.Select(o => $"{o.Key} x{o.Value}"))}");
        Assert.Equal(stock, outcomes.GetValueOrDefault("202"));
        Assert.Equal(stock, (await CouponsApiClient.WaitForCouponRowsAsync(Fixture, campaignId, stock)).Count);
        using var api = Fixture.CreateApiClient();
        var campaign = await api.GetCampaignAsync(campaignId);
        Assert.Equal(stock, campaign.GetProperty("issued").GetInt32());
        Assert.Equal(0, campaign.GetProperty("remaining").GetInt32());
        Output.WriteLine($"Race: {string.Join(", ", outcomes.Select(o => $"{o.Key} x{o.Value}"))}; 202 by replica: {string.Join(" / ", Enumerable.Range(0, addresses.Length).Select(i => answers.Count(a => a.Instance == i && a.Status == 202)))}");
    }

    private async Task StartInstanceAsync(string instance)
    {
        var result = await Fixture.ExecuteCommandAsync(instance, KnownResourceCommands.StartCommand);
        Assert.True(result.Success, $"resource-start on {instance}: {result.Message}");
        await ResourceInstances.WaitServingAsync(Fixture.App, instance, InstanceTimeout);
    }

    /// <summary>
    /// With one worker dead, the group's other members take its partitions (after the session
    /// timeout): every partition of both topics gets committed past the records written before the
    /// kill while the dead one is still down.
    /// </summary>
    private async Task WaitForPartitionsTakenOverAsync(string victim)
    {
        var kafka = await Fixture.GetConnectionStringAsync("kafka");
        var marks = KafkaEndOffsets.WorkerGroups.Select(g => (g.Topic, g.Group, High: KafkaEndOffsets.HighWatermarks(kafka, g.Topic))).ToList();
        await WaitUntilAsync(() => Task.FromResult(marks.All(m =>
        {
            var committed = KafkaEndOffsets.Committed(kafka, m.Topic, m.Group);
            return m.High.All(p => committed.GetValueOrDefault(p.Key, -1) >= p.Value);
        })), "the surviving worker replicas did not commit past the records written before the kill");
        Assert.True(Fixture.App.ResourceNotifications.TryGetCurrentState(victim, out var state)
            && state.Snapshot.State?.Text is { } text && KnownResourceStates.TerminalStates.Contains(text),
            $"The killed worker replica {victim} is not stopped: the partitions were not necessarily taken over.");
    }

    /// <summary>The other replica answers on its own address, and the shared endpoint keeps answering, while one is dead.</summary>
    private async Task AssertInstanceServesAsync(string instance)
    {
        using var direct = new HttpClient { BaseAddress = await ResourceInstances.WaitServingAsync(Fixture.App, instance, InstanceTimeout), Timeout = TimeSpan.FromSeconds(5) };
        using var health = await direct.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
        using var shared = Fixture.CreateApiClient();
        using var campaign = await shared.GetAsync("/campaigns/default");
        Assert.Equal(System.Net.HttpStatusCode.OK, campaign.StatusCode);
    }

    private async Task WaitForLogAsync(string instance, string text)
    {
        using var cts = new CancellationTokenSource(RecoveryBound);
        var logs = Fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        try
        {
            await foreach (var batch in logs.WatchAsync(instance).WithCancellation(cts.Token))
            {
                if (batch.Any(line => line.Content.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        Assert.Fail($"Replica {instance} did not log \"{text}\" within {RecoveryBound.TotalSeconds} s.");
    }
}
