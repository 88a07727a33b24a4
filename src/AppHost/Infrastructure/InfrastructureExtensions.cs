using KafkaPractice.AppHost.Infrastructure;
using KafkaPractice.AppHost.Kafka;
using KafkaPractice.AppHost.MySql;
using KafkaPractice.AppHost.Redis;
using KafkaPractice.Messaging;

namespace KafkaPractice.AppHost;

/// <summary>The three infrastructure resources, whichever mode made them.</summary>
public sealed record InfrastructureResources(
    IResourceBuilder<IResourceWithConnectionString> Kafka,
    IResourceBuilder<IResourceWithConnectionString> MySql,
    IResourceBuilder<IResourceWithConnectionString> AppDb,
    IResourceBuilder<IResourceWithConnectionString> Redis);

public static class InfrastructureExtensions
{
    public const string KafkaName = "kafka";
    public const string MySqlName = "mysql";
    public const string DatabaseName = "appdb";
    public const string RedisName = "redis";

    /// <summary>Kafka emulator, MariaDB and Redis as processes on 127.0.0.1: no container runtime needed.</summary>
    public static InfrastructureResources AddLocalInfrastructure(this IDistributedApplicationBuilder builder, KafkaTopology topology, LocalSettings local)
    {
        var kafka = builder.AddKafkaEmulator(KafkaName, topology, local);
        var mysql = builder.AddMariaDb(MySqlName, local.MySqlPort, local.StateDirectory);
        var appdb = mysql.AddDatabase(DatabaseName);
        var redis = builder.AddRedisServer(RedisName, local.RedisPort, local.StateDirectory);
        return new InfrastructureResources(Cast(kafka), Cast(mysql), Cast(appdb), Cast(redis));
    }

    /// <summary>
    /// Apache's KRaft layout (a controller and <c>topology.Brokers</c> brokers), mysql:8.4 and Redis as
    /// containers (docs/containers.md). <c>Containers:DataVolumes=false</c> leaves out the data volumes,
    /// so every start is empty (the tests do that).
    /// </summary>
    public static InfrastructureResources AddContainerInfrastructure(this IDistributedApplicationBuilder builder, KafkaTopology topology)
    {
        var firstHostPort = builder.Configuration.GetValue("Containers:KafkaFirstBrokerPort", 9092);
        var dataVolumes = builder.Configuration.GetValue("Containers:DataVolumes", true);
        var kafka = builder.AddKafkaKRaftCluster(KafkaName, topology, firstHostPort, dataVolumes);
        var mysql = builder.AddMySql(MySqlName);
        var appdb = mysql.AddDatabase(DatabaseName);
        var redis = builder.AddRedis(RedisName);
        if (dataVolumes)
        {
            mysql.WithDataVolume("kafkapractice-mysql-data");
            redis.WithDataVolume("kafkapractice-redis-data").WithPersistence();
        }
        return new InfrastructureResources(Cast(kafka), Cast(mysql), Cast(appdb), Cast(redis));
    }

    /// <summary>What every service is told: the topology, the database flavour, and the coupon seed.</summary>
    public static IResourceBuilder<ProjectResource> WithTopologyAndSettings(
        this IResourceBuilder<ProjectResource> project, KafkaTopology topology, IConfiguration configuration, InfrastructureMode mode) =>
        project.WithTopology(topology).WithServiceSettings(configuration, mode);

    public static IResourceBuilder<ProjectResource> WithServiceSettings(
        this IResourceBuilder<ProjectResource> project, IConfiguration configuration, InfrastructureMode mode)
    {
        project
            // Tells EF Core which server it talks to, so it does not ask at start (the MySQL client integration's key).
            .WithEnvironment("Aspire__Pomelo__EntityFrameworkCore__MySql__ServerVersion", mode == InfrastructureMode.Containers ? "8.4-mysql" : "10.11-mariadb")
            .WithEnvironment("Coupons__DefaultCampaignStock", configuration.GetValue("Coupons:DefaultCampaignStock", 100).ToString(System.Globalization.CultureInfo.InvariantCulture))
            // The workstation GC sizes its youngest generation from the CPU's last-level cache (a
            // budget of up to 16 MiB with a 32 MiB L3), which the services' short-lived request
            // objects never need: from 4 MiB (6 MiB at most) each keeps 9-13 MiB less resident at the
            // same CPU per request (docs/performance.md, "A 4 MiB gen0 budget"). The runtime reads it
            // from the environment only; Services:Gen0BudgetBytes=0 leaves the runtime its own.
            .WithGen0Budget(SettingBounds.Read(configuration, "Services:Gen0BudgetBytes", DefaultGen0BudgetBytes, 0, 256 * 1024 * 1024, "the services' GC gen0 budget"))
            .WithTraceSampling(configuration);
        if (mode == InfrastructureMode.Local)
        {
            // The client default (500 ms): the emulator's forwarder answers a waiting Fetch as soon
            // as a record is written, as a real broker does (docs/kafka-emulator.md, "Fetch long
            // polling"), so a long wait costs no latency and an idle consumer asks twice a second.
            // Local:ConsumerFetchWaitMaxMs overrides it; Containers mode keeps the client default.
            project.WithEnvironment("Aspire__Confluent__Kafka__Consumer__Config__FetchWaitMaxMs",
                SettingBounds.Read(configuration, "Local:ConsumerFetchWaitMaxMs", 500, 0, 300_000, "librdkafka's fetch.wait.max.ms")
                    .ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return project;
    }

    /// <summary>The services' GC gen0 budget (<c>DOTNET_GCgen0size</c>): 4 MiB.</summary>
    public const int DefaultGen0BudgetBytes = 4 * 1024 * 1024;

    private static IResourceBuilder<ProjectResource> WithGen0Budget(this IResourceBuilder<ProjectResource> project, int bytes) =>
        bytes == 0 ? project : project.WithEnvironment("DOTNET_GCgen0size", "0x" + bytes.ToString("X", System.Globalization.CultureInfo.InvariantCulture));

    public static void LogStartupChoices(this IDistributedApplicationBuilder builder, InfrastructureChoice mode, KafkaTopology topology)
    {
        var warnings = KafkaTopologyValidator.Validate(topology).Warnings;
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KafkaPractice.AppHost");
            AppHostLog.ModeChosen(logger, mode.Mode, mode.Reason);
            AppHostLog.Topology(logger, topology.Brokers, topology.Acks, topology.EnableIdempotence,
                string.Join("; ", topology.Topics.Select(t => $"{t.Name} ({t.Partitions} partitions, RF {t.ReplicationFactor}, min.insync {t.MinInSyncReplicas})")));
            foreach (var warning in warnings)
            {
                AppHostLog.TopologyWarning(logger, warning);
            }
            return Task.CompletedTask;
        });
    }

    private static IResourceBuilder<IResourceWithConnectionString> Cast<T>(IResourceBuilder<T> builder) where T : IResourceWithConnectionString =>
        builder.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(builder.Resource);
}
