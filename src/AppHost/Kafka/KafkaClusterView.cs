using System.Collections.Immutable;
using System.Globalization;
using Confluent.Kafka;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// The cluster as the dashboard shows it in the details of <c>kafka</c>: a one-line summary with
/// the Degraded-as-Healthy wording, one line per partition (leader, replicas, in-sync replicas,
/// end offset) and one per consumer group and partition (committed offset, lag).
/// </summary>
internal static class KafkaClusterView
{
    public const string SummaryProperty = "kafka.cluster";
    public const string PartitionPropertyPrefix = "kafka.partition.";
    public const string LagPropertyPrefix = "kafka.lag.";

    /// <summary>
    /// The summary: "Healthy" while every broker is up; "Healthy (degraded)" while a broker is
    /// down but every partition has a leader and min.insync.replicas in sync; otherwise it says
    /// what is missing. The resource stays Healthy in every case, so a restart never hangs on WaitFor.
    /// </summary>
    public static string Summary(ClusterSnapshot cluster)
    {
        var down = cluster.Brokers.Where(b => !b.Up).Select(b => b.Id).ToList();
        var partitions = cluster.Topics.SelectMany(t => t.Partitions).ToList();
        var leaderless = partitions.Count(p => p.Leader < 1);
        var under = partitions.Count(p => p.UnderMinInSync);
        var brokers = $"{cluster.Brokers.Count - down.Count}/{cluster.Brokers.Count} brokers up";
        if (down.Count == 0)
        {
            var controller = cluster.ControllerId > 0 ? $", controller {cluster.ControllerId}" : "";
            return $"Healthy: {brokers}{controller}, {partitions.Count} partitions led and in sync";
        }
        var stopped = $"{brokers} (stopped: {string.Join(", ", down)})";
        if (leaderless == 0 && under == 0)
        {
            return $"Healthy (degraded): {stopped}; every partition has a leader and min.insync.replicas in sync";
        }
        var problems = new List<string>();
        if (leaderless > 0)
        {
            problems.Add($"{leaderless} partitions without a leader");
        }
        if (under > 0)
        {
            problems.Add($"{under} partitions below min.insync.replicas, so acks=all writes are refused");
        }
        return $"Healthy (degraded): {stopped}; {string.Join("; ", problems)}";
    }

    public static List<TopicPartition> Partitions(ClusterSnapshot cluster) =>
        [.. cluster.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.Partition)))];

    public static ImmutableArray<ResourcePropertySnapshot> Properties(
        ClusterSnapshot cluster,
        IReadOnlyDictionary<TopicPartition, long> endOffsets,
        IReadOnlyDictionary<string, IReadOnlyDictionary<TopicPartition, long>> committed)
    {
        var properties = ImmutableArray.CreateBuilder<ResourcePropertySnapshot>();
        properties.Add(new ResourcePropertySnapshot(SummaryProperty, Summary(cluster)) { DisplayName = "Cluster", IsHighlighted = true });
        foreach (var topic in cluster.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (var p in topic.Partitions)
            {
                var end = endOffsets.TryGetValue(new TopicPartition(topic.Name, p.Partition), out var e) ? Number(e) : "?";
                var leader = p.Leader > 0 ? Number(p.Leader) : "none";
                var value = $"leader {leader} | replicas {Ids(p.Replicas)} | ISR {Ids(p.LiveReplicas)} | end offset {end}"
                    + (p.UnderMinInSync ? $" | below min.insync.replicas ({Number(topic.MinInSyncReplicas)})" : "");
                properties.Add(new ResourcePropertySnapshot($"{PartitionPropertyPrefix}{topic.Name}.{Number(p.Partition)}", value)
                {
                    DisplayName = $"{topic.Name} [{Number(p.Partition)}]",
                    IsHighlighted = true,
                });
            }
        }
        foreach (var (group, offsets) in committed.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var (partition, offset) in offsets.OrderBy(o => o.Key.Topic, StringComparer.Ordinal).ThenBy(o => o.Key.Partition.Value))
            {
                var lag = endOffsets.TryGetValue(partition, out var end) ? Number(Math.Max(0, end - offset)) : "?";
                properties.Add(new ResourcePropertySnapshot($"{LagPropertyPrefix}{group}.{partition.Topic}.{Number(partition.Partition.Value)}",
                    $"committed {Number(offset)} | lag {lag}")
                {
                    DisplayName = $"{group}: {partition.Topic} [{Number(partition.Partition.Value)}]",
                    IsHighlighted = true,
                });
            }
        }
        return properties.ToImmutable();
    }

    /// <summary>The snapshot's properties with this view's replaced (entries of vanished partitions or groups removed).</summary>
    public static ImmutableArray<ResourcePropertySnapshot> Merge(ImmutableArray<ResourcePropertySnapshot> current, ImmutableArray<ResourcePropertySnapshot> view) =>
        [.. current.Where(p => !IsViewProperty(p.Name)), .. view];

    private static bool IsViewProperty(string name) =>
        name == SummaryProperty
        || name.StartsWith(PartitionPropertyPrefix, StringComparison.Ordinal)
        || name.StartsWith(LagPropertyPrefix, StringComparison.Ordinal);

    private static string Ids(IEnumerable<int> ids) => string.Join(",", ids.Select(i => Number(i)));

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
