using KafkaPractice.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KafkaPractice.Tests.Reliability;

/// <summary>The fault scenarios on the default system: one instance of every service.</summary>
[Collection(AppHostCollection.Name)]
[Trait("Category", "Faults")]
public sealed class FaultScenarioTests(AppHostFixture fixture, ITestOutputHelper output) : FaultScenarioBase(fixture, output)
{
    [Fact]
    public Task One_broker_stopped_and_started_refuses_nothing_and_loses_nothing() => RunAsync(new Scenario(
        "One broker stopped, then started",
        "`stop-broker-1` (leader of a third of the partitions and a coordinator), 8 s, `start-broker-1`",
        Hold: TimeSpan.FromSeconds(8),
        Inject: _ => CommandAsync("kafka", "stop-broker-1"),
        Clear: () => CommandAsync("kafka", "start-broker-1"),
        Before: () => AssertLeadsPartitionsAsync(broker: 1),
        Effect: _ => WaitForNoPartitionLedByAsync(broker: 1)));

    [Fact]
    public Task Two_brokers_stopped_answer_only_503_then_recover() => RunAsync(new Scenario(
        "Two brokers stopped, then started",
        "`stop-broker-2` and `stop-broker-3` (below min.insync.replicas=2), 10 s, both started",
        Hold: TimeSpan.FromSeconds(10),
        Inject: async _ =>
        {
            await CommandAsync("kafka", "stop-broker-2");
            await CommandAsync("kafka", "stop-broker-3");
        },
        Clear: async () =>
        {
            await CommandAsync("kafka", "start-broker-2");
            await CommandAsync("kafka", "start-broker-3");
        },
        Unavailability: Unavailability.Required));

    [LocalModeFact("drops broker answers through the emulator's control API")]
    public Task Broker_answers_lost_leave_no_duplicate_and_no_leaked_stock() => RunAsync(new Scenario(
        "Broker answers lost",
        "broker 1 keeps taking requests (writes land) but its answers are dropped, 10 s, then its connections are reset",
        Hold: TimeSpan.FromSeconds(10),
        Inject: _ => ControlAsync("brokers/1/drop-responses"),
        Clear: () => ControlAsync("brokers/1/deliver-responses"),
        Unavailability: Unavailability.Required));

    [Fact]
    public Task Worker_killed_hard_loses_nothing() => RunAsync(new Scenario(
        "Consumer worker killed hard",
        "SIGKILL to `consumer-worker` while it consumes the load, 5 s down, `resource-start`",
        Hold: TimeSpan.FromSeconds(5),
        Inject: _ => KillAsync("consumer-worker"),
        Clear: () => StartAsync("consumer-worker"),
        Effect: WaitForLagAsync));

    [Fact]
    public Task MySql_stopped_for_ten_seconds_loses_nothing() => RunAsync(new Scenario(
        "MySQL stopped for 10 s",
        "`resource-stop` on `mysql` (mariadbd shuts down), 10 s, `resource-start`",
        Hold: TimeSpan.FromSeconds(10),
        Inject: _ => StopAsync("mysql"),
        Clear: () => StartAsync("mysql"),
        Effect: _ => AssertMySqlRefusesAsync(),
        Before: PlaceForeignTemporaryTableAsync,
        AfterClear: AssertForeignTemporaryTableKeptAsync));

    [LocalModeFact("sends SIGKILL to the local mariadbd process")]
    public Task MySql_killed_hard_loses_nothing() => RunAsync(new Scenario(
        "MySQL killed hard",
        "SIGKILL to `mariadbd` while batches commit (InnoDB recovers its log at restart), `resource-start` at once",
        Hold: TimeSpan.FromSeconds(2),
        Inject: _ => KillAsync("mysql"),
        Clear: () => StartAsync("mysql"),
        Effect: _ => AssertMySqlRefusesAsync()));

    [Fact]
    public Task Redis_restarted_empty_never_over_issues() => RunAsync(new Scenario(
        "Redis restarted empty",
        "`resource-stop` on `redis` (no persistence), 3 s, `resource-start`: every key is gone",
        Hold: TimeSpan.FromSeconds(3),
        Inject: _ => StopAsync("redis"),
        Clear: () => StartAsync("redis"),
        // Coupon requests and keyed registrations need Redis: while it is down they are refused.
        Unavailability: Unavailability.Required,
        Before: () => SetRedisMarkerAsync(),
        Effect: _ => AssertRedisRefusesAsync(),
        AfterClear: () => AssertRedisMarkerGoneAsync()));

    [Fact]
    public Task Poison_records_on_every_topic_are_dead_lettered_and_the_load_goes_on() => RunAsync(new Scenario(
        "Poison records on both topics",
        $"{PoisonRecords().Count()} unreadable or impossible records produced straight to `create_member` and `create_coupon`",
        Hold: TimeSpan.FromSeconds(3),
        Inject: _ => ProducePoisonAsync(),
        Clear: () => Task.CompletedTask,
        ExpectedDeadLetters: PoisonRecords().Count()));

    [Fact]
    public Task Api_restarted_loses_nothing_it_accepted() => RunAsync(new Scenario(
        "API restarted",
        "`resource-stop` on `producer-api` (a graceful stop: in-flight requests finish), 2 s, `resource-start`",
        Hold: TimeSpan.FromSeconds(2),
        Inject: _ => StopAsync("producer-api"),
        Clear: () => StartAsync("producer-api"),
        Unavailability: Unavailability.Interrupted,
        Effect: _ => AssertApiRefusesAsync()));

    [Fact]
    public Task Api_killed_hard_loses_nothing_and_leaks_no_stock() => RunAsync(new Scenario(
        "API killed hard",
        "SIGKILL to `producer-api` with requests in flight, `resource-start` at once",
        Hold: TimeSpan.Zero,
        // A burst first, so coupon requests are caught between their reservation and Kafka's answer.
        Inject: async load =>
        {
            load.Burst(coupons: 50, registrations: 50);
            await Task.Delay(20);
            await KillAsync("producer-api");
        },
        Clear: () => StartAsync("producer-api"),
        Unavailability: Unavailability.Interrupted,
        Effect: _ => AssertApiRefusesAsync()));
}
