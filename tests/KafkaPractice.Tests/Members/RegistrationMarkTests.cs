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

    private MemberRegistrationService Service() => new(
        _unreachable,
        new IdempotencyStore(redis.Redis),
        _members,
        new ProduceTimeout(TimeSpan.FromSeconds(1)),
        new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
        TimeProvider.System,
        NullLogger<MemberRegistrationService>.Instance);

    private static ValidRegistration Registration(string prefix) =>
        new("Mark Test", $"{prefix}-{Guid.NewGuid():N}@Example.com", "010-1234-5678");

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
