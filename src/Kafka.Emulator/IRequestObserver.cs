using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>Sees what passes through the forwarders.</summary>
internal interface IRequestObserver
{
    /// <summary>Every request frame (without its size), before the broker sees it.</summary>
    void OnRequest(int brokerId, ReadOnlySpan<byte> request);

    void OnProduceRequest();

    /// <summary>A FindCoordinator request for a group (keyType 0) or transactional id (1), before the broker answers it.</summary>
    void OnCoordinatorKey(int keyType, string key);

    /// <summary>A Metadata response named these topics, before the client reads it.</summary>
    void OnTopicsListed(List<MetadataTopic> topics);

    /// <summary>
    /// A request that can create topics (CreateTopics, CreatePartitions), or a Metadata response the
    /// emulator cannot read (a version before 10, which may have auto-created the topics it asked for).
    /// </summary>
    void OnTopicsMayHaveChanged();
}
