namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// One broker of Local mode's emulated cluster, shown as <c>kafka-N</c> under <c>kafka</c> (the
/// names Containers mode gives its broker containers). It runs nothing itself: its state follows
/// the emulator's control API (Running or Stopped), and its stop/start commands stop and start
/// that broker inside the emulator.
/// </summary>
public sealed class KafkaEmulatorBrokerResource(string name, int brokerId, KafkaEmulatorResource parent)
    : Resource(name), IResourceWithParent<KafkaEmulatorResource>
{
    public const string ResourceType = "KafkaBroker";

    /// <summary>Shown while the broker is stopped on purpose (the emulator process still runs).</summary>
    public const string StoppedState = "Stopped";

    public int BrokerId { get; } = brokerId;

    public KafkaEmulatorResource Parent { get; } = parent;

    public static string NameFor(string clusterName, int brokerId) => $"{clusterName}-{brokerId}";
}
