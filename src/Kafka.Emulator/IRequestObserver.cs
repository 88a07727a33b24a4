namespace KafkaPractice.Kafka.Emulator;

/// <summary>Sees what passes through the forwarders.</summary>
internal interface IRequestObserver
{
    /// <summary>Every request frame (without its size), before the broker sees it.</summary>
    void OnRequest(int brokerId, ReadOnlySpan<byte> request);

    void OnProduceRequest();

    /// <summary>A FindCoordinator request for a group (keyType 0) or transactional id (1), before the broker answers it.</summary>
    void OnCoordinatorKey(int keyType, string key);
}
