using System.Text;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Cache.Idempotency;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Reliability;

/// <summary>
/// A one-node Redis Cluster (<c>redis-server --cluster-enabled yes</c>, no slots assigned): enough
/// for <c>CLUSTER KEYSLOT</c>, which a server without cluster support refuses.
/// The cluster bus port is named (by default it is the port + 10000, which may be taken: another
/// test's emulator, a benchmark), so that the server does not exit at start-up.
/// </summary>
public sealed class ClusterModeRedisFixture() : RedisServerFixture($"--cluster-enabled yes --cluster-config-file {NodesFile} --cluster-port {FreePorts.One()}"), IAsyncLifetime
{
    private static readonly string NodesFile = Path.Combine(Path.GetTempPath(), $"kafkapractice-cluster-{Guid.NewGuid():N}.conf");

    public async Task<int> KeySlotAsync(RedisKey key) =>
        (int)await Redis.GetServer(Redis.GetEndPoints()[0]).ExecuteAsync("CLUSTER", "KEYSLOT", key);

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        File.Delete(NodesFile);
    }
}

/// <summary>
/// Redis Cluster runs a script only when all its keys are in one hash slot. Every script of
/// Core.Cache, called as the code calls it, must pass that rule for any campaign id a client can
/// send (any text of 1 to 64 characters, braces included) and any idempotency key.
/// </summary>
public sealed class ScriptSlotTests(ClusterModeRedisFixture cluster) : IClassFixture<ClusterModeRedisFixture>
{
    public static TheoryData<string> CampaignIds() =>
    [
        "default",
        "spring-sale-2026",
        "c-" + Guid.NewGuid().ToString("N"),
        "}",
        "}x",
        "{",
        "{}",
        "{x}",
        "a}b",
        "a{b}c",
        "쿠폰 캠페인",
        new string('z', 64),
    ];

    [Theory]
    [MemberData(nameof(CampaignIds))]
    public async Task Every_coupon_script_touches_one_slot_per_campaign(string campaignId)
    {
        var calls = CouponStock.ScriptKeys(campaignId);
        foreach (var (script, keys) in calls)
        {
            Assert.NotEmpty(keys);
            var slots = new HashSet<int>();
            foreach (var key in keys)
            {
                slots.Add(await cluster.KeySlotAsync(key));
            }
            Assert.True(slots.Count == 1, $"{script.Name} for campaign '{campaignId}' touches {slots.Count} slots: {string.Join(", ", keys)}");
        }
        // One campaign, one slot: every script of it runs on the same node.
        var campaignSlots = new HashSet<int>();
        foreach (var key in calls.SelectMany(c => c.Keys))
        {
            campaignSlots.Add(await cluster.KeySlotAsync(key));
        }
        Assert.Single(campaignSlots);
    }

    [Theory]
    [InlineData("members", "0b6a1f0e-6ad1-4c3e-b0f5-6f0e1c2d3a4b")]
    [InlineData("coupons", "{}")]
    [InlineData("members", "}")]
    public async Task Every_idempotency_script_touches_one_slot(string scope, string key)
    {
        foreach (var (script, keys) in IdempotencyStore.ScriptKeys(scope, key))
        {
            var slots = new HashSet<int>();
            foreach (var k in keys)
            {
                slots.Add(await cluster.KeySlotAsync(k));
            }
            Assert.True(slots.Count == 1, $"{script.Name} touches {slots.Count} slots: {string.Join(", ", keys)}");
        }
    }

    [Fact]
    public async Task Every_member_script_touches_one_slot()
    {
        foreach (var (script, keys) in MemberCache.ScriptKeys(Guid.CreateVersion7()))
        {
            var slots = new HashSet<int>();
            foreach (var k in keys)
            {
                slots.Add(await cluster.KeySlotAsync(k));
            }
            Assert.True(slots.Count == 1, $"{script.Name} touches {slots.Count} slots: {string.Join(", ", keys)}");
        }
    }

    [Fact]
    public void Every_embedded_script_is_covered_and_reads_keys_only_from_KEYS()
    {
        var covered = CouponStock.ScriptKeys("default").Select(c => c.Script.Name)
            .Concat(IdempotencyStore.ScriptKeys("s", "k").Select(c => c.Script.Name))
            .Concat(MemberCache.ScriptKeys(Guid.Empty).Select(c => c.Script.Name))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(CacheScript.EmbeddedNames(), covered);
        foreach (var name in covered)
        {
            // A key named inside the script would escape the check above: no literal key names.
            var text = CacheScript.Get(name).Text;
            Assert.DoesNotContain("'coupons:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'members:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'idempotency:", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("123456789")]
    [InlineData("coupons:{default}:meta")]
    [InlineData("{user1000}.following")]
    [InlineData("foo{}{bar}")]
    [InlineData("foo{{bar}}zap")]
    [InlineData("foo{bar}{zap}")]
    public async Task The_crc16_rule_matches_the_server(string key) =>
        Assert.Equal(await cluster.KeySlotAsync(key), HashSlot(key));

    [Fact]
    public void The_crc16_is_xmodem() =>
        // The check value the Redis Cluster specification gives for CRC16/XMODEM.
        Assert.Equal(0x31C3, Crc16(Encoding.ASCII.GetBytes("123456789")));

    /// <summary>The Redis Cluster rule: CRC16/XMODEM of the hash tag (between the first <c>{</c> and the next <c>}</c>, when not empty) or the whole key, mod 16384.</summary>
    private static int HashSlot(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        var open = Array.IndexOf(bytes, (byte)'{');
        if (open >= 0)
        {
            var close = Array.IndexOf(bytes, (byte)'}', open + 1);
            if (close > open + 1)
            {
                bytes = bytes[(open + 1)..close];
            }
        }
        return Crc16(bytes) & 16383;
    }

    private static int Crc16(byte[] data)
    {
        var crc = 0;
        foreach (var b in data)
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0xFFFF;
    }
}
