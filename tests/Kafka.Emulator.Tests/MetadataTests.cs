using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;

namespace KafkaPractice.Kafka.Emulator.Tests;

public sealed class MetadataTests : IAsyncLifetime
{
    private static readonly string[] Topics = ["create_member", "create_member.dlt", "create_coupon", "create_coupon.dlt"];
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public void Admin_metadata_lists_three_brokers_on_fixed_ports_and_topics_with_three_replicas()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.Bootstrap }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));

        Assert.Equal(
            [(1, _cluster.FirstPort), (2, _cluster.FirstPort + 1), (3, _cluster.FirstPort + 2)],
            metadata.Brokers.OrderBy(b => b.BrokerId).Select(b => (b.BrokerId, b.Port)));
        Assert.All(metadata.Brokers, b => Assert.Equal("127.0.0.1", b.Host));
        foreach (var name in Topics)
        {
            var topic = Assert.Single(metadata.Topics, t => t.Topic == name);
            Assert.Equal(ErrorCode.NoError, topic.Error.Code);
            Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.PartitionId).Order());
            Assert.All(topic.Partitions, p =>
            {
                Assert.Equal([1, 2, 3], p.Replicas.Order());
                Assert.Contains(p.Leader, p.Replicas);
            });
        }
        // Leaders are spread: every broker leads some partition.
        Assert.Equal([1, 2, 3], metadata.Topics.Where(t => Topics.Contains(t.Topic)).SelectMany(t => t.Partitions).Select(p => p.Leader).Distinct().Order());
    }

    [KcatFact]
    public async Task Kcat_sees_the_same_cluster()
    {
        var psi = new ProcessStartInfo("kcat", $"-L -J -m 10 -b 127.0.0.1:{_cluster.FirstPort}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);

        using var doc = JsonDocument.Parse(output);
        var brokers = doc.RootElement.GetProperty("brokers").EnumerateArray()
            .Select(b => (b.GetProperty("id").GetInt32(), b.GetProperty("name").GetString()))
            .OrderBy(b => b.Item1).ToList();
        Assert.Equal(
            [(1, $"127.0.0.1:{_cluster.FirstPort}"), (2, $"127.0.0.1:{_cluster.FirstPort + 1}"), (3, $"127.0.0.1:{_cluster.FirstPort + 2}")],
            brokers);
        var topics = doc.RootElement.GetProperty("topics").EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!);
        foreach (var name in Topics)
        {
            var partitions = topics[name].GetProperty("partitions").EnumerateArray().ToList();
            Assert.Equal(3, partitions.Count);
            Assert.All(partitions, p => Assert.Equal(3, p.GetProperty("replicas").GetArrayLength()));
        }
    }
}

/// <summary>A test that needs kcat (scripts/prerequisites.sh installs it): reported as skipped, not passed, without it.</summary>
internal sealed class KcatFactAttribute : FactAttribute
{
    public KcatFactAttribute()
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "kcat"))))
        {
            Skip = "kcat is not installed (scripts/prerequisites.sh installs it): nothing independent to compare the cluster with.";
        }
    }
}
