using Confluent.Kafka;
using KafkaPractice.Messaging;

namespace KafkaPractice.AppHost.Kafka;

// The cluster as the dashboard shows it (KafkaClusterView), from either source: in Local mode what the
// emulator's GET /cluster answers (src/Kafka.Emulator/ClusterModel.cs, read as JSON: the AppHost does not
// load the emulator's assembly); in Containers mode the brokers' metadata (FromMetadata).

internal sealed record ClusterSnapshot(
    IReadOnlyList<BrokerSnapshot> Brokers,
    int ControllerId,
    bool ProduceRefused,
    IReadOnlyList<TopicSnapshot> Topics,
    IReadOnlyList<CoordinatorSnapshot> Coordinators)
{
    /// <summary>No broker id: a KRaft cluster's active controller is a controller node, not one of the brokers.</summary>
    public const int NoBrokerController = -1;

    /// <summary>
    /// What a metadata answer says: every broker of the topology, up when the metadata lists it; every
    /// topic but Kafka's internal ones (<c>__consumer_offsets</c> alone has 50 partitions), its partitions'
    /// leaders, replicas and in-sync replicas. min.insync.replicas is the topology's for its topics and
    /// the brokers' default (the topology's smallest, as KafkaContainersExtensions sets it) for the others.
    /// </summary>
    public static ClusterSnapshot FromMetadata(Metadata metadata, KafkaTopology topology)
    {
        var live = metadata.Brokers.ToDictionary(b => b.BrokerId);
        var known = topology.TopicsWithDeadLetters().ToDictionary(t => t.Name, t => t.MinInSyncReplicas, StringComparer.Ordinal);
        var defaultMinInSync = topology.Topics.Count == 0 ? 1 : topology.Topics.Min(t => t.MinInSyncReplicas);
        var brokers = Enumerable.Range(1, topology.Brokers)
            .Union(live.Keys)
            .Order()
            .Select(id => live.TryGetValue(id, out var b) ? new BrokerSnapshot(id, b.Host, b.Port, Up: true) : new BrokerSnapshot(id, "", 0, Up: false))
            .ToList();
        var topics = metadata.Topics
            .Where(t => !t.Error.IsError && !t.Topic.StartsWith("__", StringComparison.Ordinal))
            .Select(t =>
            {
                var minInSync = known.TryGetValue(t.Topic, out var m) ? m : defaultMinInSync;
                return new TopicSnapshot(t.Topic, minInSync, [.. t.Partitions
                    .OrderBy(p => p.PartitionId)
                    .Select(p => new PartitionSnapshot(p.PartitionId, p.Error.IsError ? -1 : p.Leader, p.Replicas, p.InSyncReplicas,
                        UnderMinInSync: p.Leader < 0 || p.Error.IsError || p.InSyncReplicas.Count(live.ContainsKey) < minInSync))]);
            })
            .ToList();
        return new ClusterSnapshot(brokers, NoBrokerController, ProduceRefused: false, topics, Coordinators: []);
    }
}

internal sealed record BrokerSnapshot(int Id, string Host, int Port, bool Up, bool DroppingResponses = false);

internal sealed record TopicSnapshot(string Name, int MinInSyncReplicas, IReadOnlyList<PartitionSnapshot> Partitions);

/// <summary>One partition; <paramref name="LiveReplicas"/> are its in-sync replicas (the emulator counts live replicas as in sync).</summary>
internal sealed record PartitionSnapshot(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> LiveReplicas, bool UnderMinInSync);

internal sealed record CoordinatorSnapshot(string KeyType, string Key, int BrokerId);

internal sealed record EmulatorOffsets(IReadOnlyList<EmulatorEndOffset> EndOffsets, IReadOnlyList<EmulatorCommittedOffset> Committed);

internal sealed record EmulatorEndOffset(string Topic, int Partition, long EndOffset);

internal sealed record EmulatorCommittedOffset(string Group, string Topic, int Partition, long Offset);
