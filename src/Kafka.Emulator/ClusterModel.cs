namespace KafkaPractice.Kafka.Emulator;

/// <summary>What <c>GET /cluster</c> answers.</summary>
public sealed record ClusterDescription(
    IReadOnlyList<BrokerDescription> Brokers,
    int ControllerId,
    bool ProduceRefused,
    IReadOnlyList<TopicDescription> Topics,
    IReadOnlyList<CoordinatorDescription> Coordinators);

/// <param name="DroppingResponses">Requests reach the broker but its answers are lost (see <c>POST /brokers/{id}/drop-responses</c>).</param>
public sealed record BrokerDescription(int Id, string Host, int Port, bool Up, bool DroppingResponses = false);

public sealed record TopicDescription(string Name, int MinInSyncReplicas, IReadOnlyList<PartitionDescription> Partitions);

public sealed record PartitionDescription(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> LiveReplicas, bool UnderMinInSync);

/// <summary>A group (or transactional id) and the broker that coordinates it.</summary>
public sealed record CoordinatorDescription(string KeyType, string Key, int BrokerId);
