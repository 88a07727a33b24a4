extern alias api;

using api::KafkaPractice.Producer.Api.Members;
using Confluent.Kafka;
using KafkaPractice.Core.Cache.Idempotency;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Members;

/// <summary>
/// A registration's one Redis round trip checks the email and marks the registration accepted
/// before the produce; the status endpoint reads that mark as Pending. A registration that is
/// refused must leave no mark. Real Redis; a real producer whose broker never answers (nothing
/// listens on its port), so every produce fails after its message timeout.
/// </summary>
public sealed class RegistrationMarkTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IDisposable
{
    private readonly IProducer<string, byte[]> _unreachable = UnreachableProducer();
    private readonly MemberCache _members = new(redis.Redis);

    [Fact]
    public async Task A_registration_Kafka_did_not_take_is_503_and_leaves_no_mark()
    {
        var before = await MarksAsync();
        var outcome = await Service().RegisterAsync(Registration("lost"), idempotencyKey: null);

        Assert.IsType<RegistrationOutcome.Unavailable>(outcome);
        Assert.Equal(before, await MarksAsync());
    }

    [Fact]
    public async Task A_keyed_registration_Kafka_did_not_take_leaves_no_mark_and_releases_its_key()
    {
        var registration = Registration("keyed");
        var key = "key-" + Guid.NewGuid().ToString("N");
        var outcome = await Service().RegisterAsync(registration, key);

        Assert.IsType<RegistrationOutcome.Unavailable>(outcome);
        var id = MemberRegistrationService.RegistrationIdFor(key, IdempotencyStore.Fingerprint(registration.Canonical));
        Assert.False(await _members.IsRegistrationAcceptedAsync(id), "The mark of a registration that got a 503 is still there.");
        Assert.False(await redis.Redis.GetDatabase().KeyExistsAsync(IdempotencyStore.StoreKey(MemberRegistrationService.IdempotencyScope, key)),
            "The key's claim was not released after the 503.");
    }

    [Fact]
    public async Task A_keyed_registration_whose_claim_Redis_ran_after_the_api_stopped_waiting_leaves_no_claim()
    {
        // The API's connection gives up after 1 s, as the services' does (checked on its heartbeat,
        // once a second); Redis holds every write (a script is one) for 3 s, so it runs the claim
        // after the API answered 503: an answer lost after a write. (A shorter timeout would make
        // the client drop the socket as dead, and Redis would then never run the held claim.)
        await using var impatient = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", redis.Port } },
            AsyncTimeout = 1000,
            SyncTimeout = 1000,
        });
        var registration = Registration("late");
        var key = "key-" + Guid.NewGuid().ToString("N");
        var scriptsBefore = await ScriptCallsAsync();
        var server = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);
        await server.ExecuteAsync("CLIENT", "PAUSE", "3000", "WRITE");

        var outcome = await Service(new IdempotencyStore(impatient)).RegisterAsync(registration, key);

        // The 503 of a claim that got no answer, not of a produce that failed after it.
        Assert.Contains("Idempotency-Key", Assert.IsType<RegistrationOutcome.Unavailable>(outcome).Detail);
        // Whatever this connection sent before runs before its PING: wait for the pause to end and the held commands to run.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await impatient.GetDatabase().PingAsync();
                break;
            }
            catch (RedisTimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }
        Assert.True(await ScriptCallsAsync() > scriptsBefore, "Redis never ran the claim it held: the test did not create a late answer.");
        var left = await redis.Redis.GetDatabase().StringGetAsync(IdempotencyStore.StoreKey(MemberRegistrationService.IdempotencyScope, key));
        Assert.True(left.IsNull, $"The claim Redis ran late is still there ({left}): every retry would read 409 in-flight until it expired.");
    }

    [Fact]
    public async Task A_taken_email_is_refused_without_a_produce_and_leaves_no_mark()
    {
        var registration = Registration("taken");
        await _members.AddMembersAsync([(42, registration.EmailKey)]);
        var before = await MarksAsync();

        var outcome = await Service().RegisterAsync(registration, idempotencyKey: null);

        Assert.IsType<RegistrationOutcome.EmailTaken>(outcome);
        Assert.Equal(before, await MarksAsync());
    }

    [Fact]
    public async Task The_script_marks_a_free_email_and_refuses_a_taken_one_in_one_call()
    {
        var id = Guid.CreateVersion7();
        var email = $"free-{Guid.NewGuid():N}@example.com";
        Assert.False(await _members.BeginRegistrationAsync(email, id));
        Assert.True(await _members.IsRegistrationAcceptedAsync(id));
        var ttl = await redis.Redis.GetDatabase().KeyTimeToLiveAsync(MemberCache.ScriptKeys(id)[0].Keys[1]);
        Assert.InRange(ttl!.Value, MemberCache.AcceptedRegistrationTtl - TimeSpan.FromMinutes(1), MemberCache.AcceptedRegistrationTtl);

        await _members.AddMembersAsync([(7, email)]);
        var other = Guid.CreateVersion7();
        Assert.True(await _members.BeginRegistrationAsync(email, other));
        Assert.False(await _members.IsRegistrationAcceptedAsync(other));
    }

    public void Dispose() => _unreachable.Dispose();

    private MemberRegistrationService Service(IdempotencyStore? idempotency = null) => new(
        _unreachable,
        idempotency ?? new IdempotencyStore(redis.Redis),
        _members,
        new ProduceTimeout(TimeSpan.FromSeconds(1)),
        new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
        TimeProvider.System,
        NullLogger<MemberRegistrationService>.Instance);

    private static ValidRegistration Registration(string prefix) =>
        new("Mark Test", $"{prefix}-{Guid.NewGuid():N}@Example.com", "010-1234-5678");

    /// <summary>How many scripts Redis has run (EVAL and EVALSHA), from its command statistics.</summary>
    private async Task<long> ScriptCallsAsync()
    {
        var server = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);
        var stats = (await server.InfoAsync("commandstats")).SelectMany(g => g);
        return stats
            .Where(s => s.Key is "cmdstat_eval" or "cmdstat_evalsha")
            .Sum(s => long.Parse(s.Value.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<long> MarksAsync()
    {
        var server = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);
        var count = 0L;
        await foreach (var _ in server.KeysAsync(pattern: "members:{registry}:registrations:*"))
        {
            count++;
        }
        return count;
    }

    private static IProducer<string, byte[]> UnreachableProducer()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = $"127.0.0.1:{FreePorts.One()}",
            MessageTimeoutMs = 1000,
        };
        KafkaClientRules.ApplyProducerRules(config, KafkaTopology.Default);
        return new ProducerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).Build();
    }
}
