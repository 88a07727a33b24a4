using System.Globalization;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>Settings of section <c>Emulator</c>.</summary>
public sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";
    public const string DefaultControlUrl = "http://127.0.0.1:9190";

    /// <summary>Host the brokers listen on and advertise.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Broker N listens on FirstBrokerPort + N - 1.</summary>
    public int FirstBrokerPort { get; set; } = 9092;

    /// <summary>Comma-separated consumer group ids whose coordinators are placed at start.</summary>
    public string ConsumerGroups { get; set; } = "";

    /// <summary>Pause between moving a broker's leaderships away and taking it down.</summary>
    public int StopGraceMs { get; set; } = 100;

    /// <summary>When a broker returns, give it back the leaderships it was preferred for.</summary>
    public bool PreferredLeaderElection { get; set; } = true;

    /// <summary>Entries pushed onto the Produce error stack while produce is refused.</summary>
    public int RefusalStackSize { get; set; } = 100_000;

    /// <summary>The mock's group.initial.rebalance.delay.ms; negative keeps the mock's default.</summary>
    public int GroupInitialRebalanceDelayMs { get; set; } = -1;

    /// <summary>How often the retention watch compares low watermarks with committed offsets; 0 disables it.</summary>
    public int RetentionCheckSeconds { get; set; } = 30;

    public IReadOnlyList<string> ConsumerGroupIds() =>
        ConsumerGroups.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public int PortOf(int brokerId) => FirstBrokerPort + brokerId - 1;

    public string Bootstrap(int brokers) =>
        string.Join(',', Enumerable.Range(1, brokers).Select(id => Host + ":" + PortOf(id).ToString(CultureInfo.InvariantCulture)));
}
