namespace KafkaPractice.AppHost.Kafka;

// What the emulator's GET /cluster answers (src/Kafka.Emulator/ClusterModel.cs), read as JSON:
// the AppHost does not load the emulator's assembly.

internal sealed record EmulatorCluster(
    IReadOnlyList<EmulatorBroker> Brokers,
    int ControllerId,
    bool ProduceRefused,
    IReadOnlyList<EmulatorTopic> Topics,
    IReadOnlyList<EmulatorCoordinator> Coordinators);

internal sealed record EmulatorBroker(int Id, string Host, int Port, bool Up, bool DroppingResponses = false);

internal sealed record EmulatorTopic(string Name, int MinInSyncReplicas, IReadOnlyList<EmulatorPartition> Partitions);

internal sealed record EmulatorPartition(int Partition, int Leader, IReadOnlyList<int> Replicas, IReadOnlyList<int> LiveReplicas, bool UnderMinInSync);

internal sealed record EmulatorCoordinator(string KeyType, string Key, int BrokerId);

internal sealed record EmulatorOffsets(IReadOnlyList<EmulatorEndOffset> EndOffsets, IReadOnlyList<EmulatorCommittedOffset> Committed);

internal sealed record EmulatorEndOffset(string Topic, int Partition, long EndOffset);

internal sealed record EmulatorCommittedOffset(string Group, string Topic, int Partition, long Offset);
