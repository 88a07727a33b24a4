using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Containers mode cannot start here (no engine, no registry), so its Kafka configuration is held to
/// Kafka's own start-up rules (<see cref="KafkaConfigRules"/>), read from the model the AppHost builds.
/// </summary>
public sealed class KafkaConfigRuleTests
{
    private const string KafkaImage = "apache/kafka";

    internal static async Task<(List<KafkaNodeConfig> Nodes, Dictionary<string, int> OtherHostPorts)> ContainersModelAsync(params string[] extraArgs)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["--Infrastructure:Mode=Containers", .. extraArgs]);
        var nodes = new List<KafkaNodeConfig>();
        var others = new Dictionary<string, int>();
        foreach (var resource in builder.Resources.OfType<ContainerResource>())
        {
            var published = resource.Annotations.OfType<EndpointAnnotation>()
                .Where(e => !e.IsProxied && e.Port is not null)
                .ToDictionary(e => e.Port!.Value, e => e.TargetPort ?? e.Port!.Value);
            var image = resource.Annotations.OfType<ContainerImageAnnotation>().Single();
            if (image.Image == KafkaImage)
            {
                nodes.Add(new KafkaNodeConfig(resource.Name, await EnvironmentOf(resource), published));
            }
            else
            {
                foreach (var port in published.Keys)
                {
                    others[$"{resource.Name}:{port}"] = port;
                }
            }
        }
        return (nodes, others);
    }

    internal static async Task<Dictionary<string, string>> EnvironmentOf(IResource resource)
    {
#pragma warning disable CS0618 // its replacement needs a running execution context; this test only builds the model
        var values = await ((IResourceWithEnvironment)resource).GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
        return new Dictionary<string, string>(values);
    }

    [Fact]
    public async Task Generated_kafka_configuration_satisfies_kafkas_startup_rules()
    {
        var (nodes, others) = await ContainersModelAsync();

        var violations = KafkaConfigRules.Check(nodes, others);

        Assert.True(violations.Count == 0, "Kafka would refuse this configuration:\n" + string.Join("\n", violations));
    }

    [Fact]
    public async Task Single_broker_topology_also_satisfies_kafkas_startup_rules()
    {
        var (nodes, others) = await ContainersModelAsync(
            "--KafkaTopology:Brokers=1",
            "--KafkaTopology:Topics:0:Name=create_member", "--KafkaTopology:Topics:0:ReplicationFactor=1", "--KafkaTopology:Topics:0:MinInSyncReplicas=1",
            "--KafkaTopology:Topics:1:Name=create_coupon", "--KafkaTopology:Topics:1:ReplicationFactor=1", "--KafkaTopology:Topics:1:MinInSyncReplicas=1");

        Assert.Single(nodes, n => n.Environment["KAFKA_PROCESS_ROLES"] == "broker");
        var violations = KafkaConfigRules.Check(nodes, others);
        Assert.True(violations.Count == 0, "Kafka would refuse this configuration:\n" + string.Join("\n", violations));
    }

    [Fact]
    public async Task Rules_hold_when_the_first_host_port_moves()
    {
        var (nodes, others) = await ContainersModelAsync("--Containers:KafkaFirstBrokerPort=29092");

        Assert.Contains(nodes, n => n.PublishedPorts.ContainsKey(29094));
        var violations = KafkaConfigRules.Check(nodes, others);
        Assert.True(violations.Count == 0, "Kafka would refuse this configuration:\n" + string.Join("\n", violations));
    }
}

/// <summary>The rule check itself: it must refuse the combined 3-node layout the AppHost generated before Apache's layout.</summary>
public sealed class KafkaConfigRulesSelfTests
{
    private static KafkaNodeConfig CombinedNode(int id)
    {
        var hostPort = 9091 + id;
        return new KafkaNodeConfig($"kafka-{id}", new Dictionary<string, string>
        {
            ["KAFKA_NODE_ID"] = $"{id}",
            ["CLUSTER_ID"] = "a2Fma2FQcmFjdGljZTAx",
            ["KAFKA_PROCESS_ROLES"] = "broker,controller",
            ["KAFKA_CONTROLLER_QUORUM_VOTERS"] = "1@kafka-1:9094,2@kafka-2:9094,3@kafka-3:9094",
            ["KAFKA_LISTENERS"] = $"HOST://0.0.0.0:{hostPort},INTERNAL://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094",
            ["KAFKA_ADVERTISED_LISTENERS"] = $"HOST://localhost:{hostPort},INTERNAL://kafka-{id}:9093",
            ["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] = "HOST:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
            ["KAFKA_INTER_BROKER_LISTENER_NAME"] = "INTERNAL",
            ["KAFKA_CONTROLLER_LISTENER_NAMES"] = "CONTROLLER",
            ["KAFKA_DEFAULT_REPLICATION_FACTOR"] = "3",
            ["KAFKA_MIN_INSYNC_REPLICAS"] = "2",
        }, new Dictionary<int, int> { [hostPort] = hostPort });
    }

    [Fact]
    public void The_former_combined_layout_is_refused_for_duplicate_ports_and_a_short_cluster_id()
    {
        var violations = KafkaConfigRules.Check([CombinedNode(1), CombinedNode(2), CombinedNode(3)], new Dictionary<string, int>());

        Assert.Contains(violations, v => v.StartsWith("kafka-2: port 9093 is used by HOST and INTERNAL", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.StartsWith("kafka-3: port 9094 is used by HOST and CONTROLLER", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("decodes to 15 bytes", StringComparison.Ordinal));
        Assert.DoesNotContain(violations, v => v.StartsWith("kafka-1: port", StringComparison.Ordinal));
    }

    [Fact]
    public void A_controller_with_advertised_listeners_and_a_broker_among_the_voters_are_refused()
    {
        var controller = new KafkaNodeConfig("kafka-controller", new Dictionary<string, string>
        {
            ["KAFKA_NODE_ID"] = "0",
            ["CLUSTER_ID"] = "S2Fma2FQcmFjdGljZS12MQ",
            ["KAFKA_PROCESS_ROLES"] = "controller",
            ["KAFKA_CONTROLLER_QUORUM_VOTERS"] = "0@kafka-controller:19093,1@kafka-1:19093",
            ["KAFKA_CONTROLLER_LISTENER_NAMES"] = "CONTROLLER",
            ["KAFKA_LISTENERS"] = "CONTROLLER://:19093",
            ["KAFKA_ADVERTISED_LISTENERS"] = "CONTROLLER://kafka-controller:19093",
            ["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] = "CONTROLLER:PLAINTEXT",
        }, new Dictionary<int, int>());

        var violations = KafkaConfigRules.Check([controller], new Dictionary<string, int>());

        Assert.Contains(violations, v => v.Contains("KAFKA_ADVERTISED_LISTENERS is set on a controller-only node", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains("voter 1 is no node", StringComparison.Ordinal));
    }

    [Fact]
    public void Kafka_uuid_decoding_counts_bytes_as_kafka_does()
    {
        Assert.Equal(16, KafkaConfigRules.DecodeKafkaUuid("4L6g3nShT-eMCtK--X86sw")); // Apache's example id
        Assert.Equal(15, KafkaConfigRules.DecodeKafkaUuid("a2Fma2FQcmFjdGljZTAx"));
        Assert.Equal(-1, KafkaConfigRules.DecodeKafkaUuid("not base64!"));
    }
}
