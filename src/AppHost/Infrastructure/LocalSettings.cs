namespace KafkaPractice.AppHost.Infrastructure;

/// <summary>
/// Ports and the state folder of Local mode (section <c>Local</c>). Fixed ports, because Kafka
/// brokers advertise their own address; tests pick other ports so they never clash with a
/// running development instance.
/// </summary>
public sealed class LocalSettings
{
    public const string SectionName = "Local";

    public int KafkaFirstBrokerPort { get; set; } = 9092;
    public int KafkaControlPort { get; set; } = 9190;
    /// <summary>3307, not 3306, so a MySQL/MariaDB service already on the machine does not collide.</summary>
    public int MySqlPort { get; set; } = 3307;
    /// <summary>6380, not 6379, for the same reason.</summary>
    public int RedisPort { get; set; } = 6380;
    /// <summary>Where MariaDB keeps its data and Redis its working files; relative paths are from the repository root.</summary>
    public string StateDirectory { get; set; } = ".state";

    public static LocalSettings From(IDistributedApplicationBuilder builder)
    {
        var settings = new LocalSettings();
        builder.Configuration.GetSection(SectionName).Bind(settings);
        var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", ".."));
        settings.StateDirectory = Path.GetFullPath(Path.Combine(repositoryRoot, settings.StateDirectory));
        return settings;
    }
}
