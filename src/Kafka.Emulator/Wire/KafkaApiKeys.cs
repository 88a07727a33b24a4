namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>Kafka API keys the emulator reads requests of.</summary>
internal static class KafkaApiKeys
{
    public const short Produce = 0;

    public const short Fetch = 1;

    public const short Metadata = 3;

    public const short FindCoordinator = 10;

    public const short JoinGroup = 11;

    public const short ApiVersions = 18;

    public const short CreateTopics = 19;

    public const short CreatePartitions = 37;
}
