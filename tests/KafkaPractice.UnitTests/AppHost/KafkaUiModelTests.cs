using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Containers mode's topic browser (kafka-ui) as the AppHost models it: it cannot run here, so what
/// Docker would be given is held to Kafka's and kafka-ui's rules.
/// </summary>
public sealed class KafkaUiModelTests
{
    private const string UiImage = "kafbat/kafka-ui";

    /// <summary>
    /// The cluster settings kafka-ui binds (kafbat/kafka-ui, ClustersProperties.Cluster, bound by Spring
    /// Boot from KAFKA_CLUSTERS_{i}_{PROPERTY}: upper case, no separators), and its top-level keys
    /// documented in "Configuration: misc properties". A misspelt key (KAFKA_CLUSTERS_0_BOOTSTRAP_SERVERS)
    /// is silently ignored by Spring, and kafka-ui would start with no cluster.
    /// </summary>
    private static readonly HashSet<string> ClusterProperties =
    [
        "NAME", "BOOTSTRAPSERVERS", "READONLY", "SCHEMAREGISTRY", "KSQLDBSERVER", "KAFKACONNECT", "METRICS",
        "DEFAULTKEYSERDE", "DEFAULTVALUESERDE", "POLLINGTHROTTLERATE", "AUDIT", "SSL", "MASKING", "SERDE",
    ];

    private static readonly HashSet<string> TopLevelKeys =
    [
        "SERVER_PORT", "SERVER_SERVLET_CONTEXT_PATH", "DYNAMIC_CONFIG_ENABLED", "AUTH_TYPE", "LOGGING_LEVEL_ROOT", "LOGGING_LEVEL_IO_KAFBAT_UI",
        "KAFKA_POLLING_PARTITIONS_LIMIT", "KAFKA_ADMIN_CLIENT_TIMEOUT", "KAFKA_INTERNALTOPICPREFIX", "JAVA_OPTS",
    ];

    private static async Task<(IDistributedApplicationTestingBuilder Builder, ContainerResource? Ui)> ModelAsync(params string[] args)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["--Infrastructure:Mode=Containers", .. args]);
        var ui = builder.Resources.OfType<ContainerResource>()
            .SingleOrDefault(r => r.Annotations.OfType<ContainerImageAnnotation>().Any(i => i.Image == UiImage));
        return (builder, ui);
    }

    [Fact]
    public async Task Kafka_ui_reaches_every_broker_at_the_internal_listener_that_broker_advertises()
    {
        var (nodes, _) = await KafkaConfigRuleTests.ContainersModelAsync();
        var (_, ui) = await ModelAsync();
        Assert.NotNull(ui);
        var env = await KafkaConfigRuleTests.EnvironmentOf(ui);

        Assert.Equal("kafka", env["KAFKA_CLUSTERS_0_NAME"]);
        var violations = KafkaConfigRules.CheckContainerNetworkBootstrap(nodes, env.GetValueOrDefault("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"));
        Assert.True(violations.Count == 0, "kafka-ui could not reach the brokers:\n" + string.Join("\n", violations));
    }

    [Fact]
    public async Task Kafka_ui_reaches_the_brokers_with_another_broker_count_and_first_host_port_too()
    {
        var args = new[] { "--KafkaTopology:Brokers=4", "--Containers:KafkaFirstBrokerPort=29092" };
        var (nodes, _) = await KafkaConfigRuleTests.ContainersModelAsync(args);
        var (_, ui) = await ModelAsync(args);
        var env = await KafkaConfigRuleTests.EnvironmentOf(ui!);

        Assert.Equal(4, nodes.Count(n => n.Environment["KAFKA_PROCESS_ROLES"] == "broker"));
        var violations = KafkaConfigRules.CheckContainerNetworkBootstrap(nodes, env.GetValueOrDefault("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"));
        Assert.True(violations.Count == 0, "kafka-ui could not reach the brokers:\n" + string.Join("\n", violations));
    }

    [Fact]
    public async Task Kafka_ui_environment_uses_only_keys_kafka_ui_binds()
    {
        var (_, ui) = await ModelAsync();
        var env = await KafkaConfigRuleTests.EnvironmentOf(ui!);

        foreach (var key in env.Keys)
        {
            var cluster = Regex.Match(key, @"^KAFKA_CLUSTERS_\d+_(.+)$");
            var known = cluster.Success
                ? ClusterProperties.Contains(cluster.Groups[1].Value) || cluster.Groups[1].Value.StartsWith("PROPERTIES_", StringComparison.Ordinal)
                : TopLevelKeys.Contains(key);
            Assert.True(known, $"kafka-ui does not bind {key}");
        }
    }

    [Fact]
    public async Task Kafka_ui_serves_http_on_its_server_port_under_kafka_and_waits_for_every_broker()
    {
        var (builder, ui) = await ModelAsync();
        var env = await KafkaConfigRuleTests.EnvironmentOf(ui!);
        var kafka = builder.Resources.Single(r => r.Name == "kafka");

        var image = Assert.Single(ui!.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Matches(@"^v\d+\.\d+\.\d+$", image.Tag); // pinned, never latest
        var http = Assert.Single(ui.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal("http", http.UriScheme);
        Assert.Equal(env.GetValueOrDefault("SERVER_PORT", "8080"), http.TargetPort?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(ui.Annotations.OfType<HealthCheckAnnotation>(), _ => true);
        Assert.Contains(ui.Annotations.OfType<ResourceRelationshipAnnotation>(), r => r.Resource == kafka && r.Type == "Parent");
        var waitsFor = ui.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "kafka-1", "kafka-2", "kafka-3" }, waitsFor);
    }

    [Fact]
    public async Task Kafka_ui_is_left_out_when_disabled_by_configuration()
    {
        var (builder, ui) = await ModelAsync("--Kafka:Ui:Enabled=false");

        Assert.Null(ui);
        Assert.Contains(builder.Resources, r => r.Name == "kafka-3");
    }

    [Fact]
    public void The_bootstrap_rule_refuses_host_side_addresses_and_missing_brokers()
    {
        static KafkaNodeConfig Broker(int id) => new($"kafka-{id}", new Dictionary<string, string>
        {
            ["KAFKA_PROCESS_ROLES"] = "broker",
            ["KAFKA_ADVERTISED_LISTENERS"] = $"INTERNAL://kafka-{id}:19092,HOST://localhost:{9091 + id}",
        }, new Dictionary<int, int>());
        var nodes = new[] { Broker(1), Broker(2) };

        Assert.Empty(KafkaConfigRules.CheckContainerNetworkBootstrap(nodes, "kafka-1:19092,kafka-2:19092"));
        Assert.Contains(KafkaConfigRules.CheckContainerNetworkBootstrap(nodes, "localhost:9092,kafka-2:19092"), v => v.Contains("host-side address", StringComparison.Ordinal));
        Assert.Contains(KafkaConfigRules.CheckContainerNetworkBootstrap(nodes, "kafka-1:9092,kafka-2:19092"), v => v.Contains("not an address any broker advertises", StringComparison.Ordinal));
        Assert.Contains(KafkaConfigRules.CheckContainerNetworkBootstrap(nodes, "kafka-1:19092"), v => v == "broker kafka-2 is not in the bootstrap list");
        Assert.NotEmpty(KafkaConfigRules.CheckContainerNetworkBootstrap(nodes, ""));
    }
}
