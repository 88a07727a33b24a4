using KafkaPractice.AppHost.Infrastructure;

namespace KafkaPractice.AppHost;

internal static partial class AppHostLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Infrastructure mode: {Mode} ({Reason})")]
    public static partial void ModeChosen(ILogger logger, InfrastructureMode mode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka topology: {Brokers} broker(s), acks={Acks}, idempotence={Idempotence}, topics: {Topics}")]
    public static partial void Topology(ILogger logger, int brokers, string acks, bool idempotence, string topics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void TopologyWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Initialising the MariaDB data folder {DataDirectory} (first start only)")]
    public static partial void InitialisingDataFolder(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka cluster formed: {Brokers} broker(s); topics ready: {Topics}")]
    public static partial void KafkaClusterReady(ILogger logger, int brokers, string topics);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka cluster failed to start: {Reason}")]
    public static partial void KafkaClusterFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Tool} finished")]
    public static partial void ToolFinished(ILogger logger, string tool);
}
