using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.AppHost.Kafka;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Containers mode cannot run here (no engine, no registry), so these tests build its model and
/// check what Docker would be asked to run.
/// </summary>
public sealed class ContainersModelTests
{
    private static async Task<IDistributedApplicationTestingBuilder> BuildModelAsync() =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["--Infrastructure:Mode=Containers"]);

    private static async Task<Dictionary<string, string>> EnvironmentOf(IResource resource)
    {
        // Publish mode: values that would need allocated endpoints (connection strings) come back as
        // expressions instead of waiting for containers that this machine cannot start.
#pragma warning disable CS0618 // its replacement needs a running execution context; this test only builds the model
        var values = await ((IResourceWithEnvironment)resource).GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
        return new Dictionary<string, string>(values);
    }

    [Fact]
    public async Task Contract_resources_exist()
    {
        var builder = await BuildModelAsync();
        var names = builder.Resources.Select(r => r.Name).ToHashSet();

        Assert.Superset(new HashSet<string> { "kafka", "kafka-1", "kafka-2", "kafka-3", "mysql", "appdb", "redis", "producer-api", "consumer-worker" }, names);
    }

    [Fact]
    public async Task Three_kraft_nodes_share_one_cluster_id_and_a_quorum()
    {
        var builder = await BuildModelAsync();
        var brokers = builder.Resources.OfType<KafkaBrokerContainerResource>().OrderBy(b => b.NodeId).ToList();

        Assert.Equal(3, brokers.Count);
        var clusterIds = new HashSet<string>();
        foreach (var broker in brokers)
        {
            var image = Assert.Single(broker.Annotations.OfType<ContainerImageAnnotation>());
            Assert.Equal(("apache/kafka", "4.1.0"), (image.Image, image.Tag));

            var env = await EnvironmentOf(broker);
            var id = broker.NodeId;
            Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), env["KAFKA_NODE_ID"]);
            Assert.Equal("broker,controller", env["KAFKA_PROCESS_ROLES"]);
            Assert.Equal("1@kafka-1:9094,2@kafka-2:9094,3@kafka-3:9094", env["KAFKA_CONTROLLER_QUORUM_VOTERS"]);
            Assert.Equal($"HOST://0.0.0.0:{9091 + id},INTERNAL://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094", env["KAFKA_LISTENERS"]);
            Assert.Equal($"HOST://localhost:{9091 + id},INTERNAL://kafka-{id}:9093", env["KAFKA_ADVERTISED_LISTENERS"]);
            Assert.Equal("INTERNAL", env["KAFKA_INTER_BROKER_LISTENER_NAME"]);
            Assert.Equal("CONTROLLER", env["KAFKA_CONTROLLER_LISTENER_NAMES"]);
            Assert.Equal("3", env["KAFKA_DEFAULT_REPLICATION_FACTOR"]);
            Assert.Equal("2", env["KAFKA_MIN_INSYNC_REPLICAS"]);
            Assert.Equal("3", env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
            Assert.Equal("3", env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]);
            Assert.Equal("false", env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]);
            clusterIds.Add(env["CLUSTER_ID"]);

            var hostEndpoint = broker.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "tcp");
            Assert.Equal(9091 + id, hostEndpoint.Port);
            Assert.Equal(9091 + id, hostEndpoint.TargetPort);
            Assert.False(hostEndpoint.IsProxied);

            var volume = Assert.Single(broker.Annotations.OfType<ContainerMountAnnotation>());
            Assert.Equal("/var/lib/kafka/data", volume.Target);
            Assert.Equal(ContainerMountType.Volume, volume.Type);
        }
        Assert.Single(clusterIds);
    }

    [Fact]
    public async Task Kafka_connection_string_lists_every_broker_and_carries_broker_commands()
    {
        var builder = await BuildModelAsync();
        var kafka = builder.Resources.OfType<KafkaClusterResource>().Single(r => r.Name == "kafka");

        Assert.Equal(3, kafka.Brokers.Count);
        Assert.Equal("{kafka-1.bindings.tcp.host}:{kafka-1.bindings.tcp.port},{kafka-2.bindings.tcp.host}:{kafka-2.bindings.tcp.port},{kafka-3.bindings.tcp.host}:{kafka-3.bindings.tcp.port}",
            kafka.ConnectionStringExpression.ValueExpression);
        var commands = kafka.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "stop-broker-1", "stop-broker-2", "stop-broker-3", "start-broker-1", "start-broker-2", "start-broker-3" }, commands);
    }

    [Fact]
    public async Task MySql_is_the_8_4_image_with_database_appdb_and_a_volume()
    {
        var builder = await BuildModelAsync();
        var mysql = builder.Resources.Single(r => r.Name == "mysql");
        var image = Assert.Single(mysql.Annotations.OfType<ContainerImageAnnotation>());
        var env = await EnvironmentOf(mysql);

        Assert.Equal(("mysql", "8.4"), (image.Image, image.Tag));
        Assert.Equal("appdb", env["MYSQL_DATABASE"]);
        Assert.False(string.IsNullOrEmpty(env["MYSQL_ROOT_PASSWORD"]));
        Assert.Contains(mysql.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/var/lib/mysql");
        Assert.Equal(3306, mysql.Annotations.OfType<EndpointAnnotation>().Single().TargetPort);

        var appdb = Assert.IsAssignableFrom<IResourceWithConnectionString>(builder.Resources.Single(r => r.Name == "appdb"));
        Assert.EndsWith(";Database=appdb", appdb.ConnectionStringExpression.ValueExpression);
    }

    [Fact]
    public async Task Redis_comes_from_the_redis_integration_with_persistence()
    {
        var builder = await BuildModelAsync();
        var redis = builder.Resources.Single(r => r.Name == "redis");

        Assert.IsType<RedisResource>(redis);
        Assert.Contains(redis.Annotations.OfType<ContainerMountAnnotation>(), m => m.Type == ContainerMountType.Volume);
    }

    [Fact]
    public async Task Services_get_every_connection_string_and_the_topology()
    {
        var builder = await BuildModelAsync();
        var api = builder.Resources.Single(r => r.Name == "producer-api");
        var env = await EnvironmentOf(api);

        Assert.Equal("{kafka.connectionString}", env["ConnectionStrings__kafka"]);
        Assert.Equal("{appdb.connectionString}", env["ConnectionStrings__appdb"]);
        Assert.Equal("{redis.connectionString}", env["ConnectionStrings__redis"]);
        Assert.Equal("all", env["KafkaTopology__Acks"]);
        Assert.Equal("create_member", env["KafkaTopology__Topics__0__Name"]);
        Assert.Equal("2", env["KafkaTopology__Topics__0__MinInSyncReplicas"]);
        Assert.Equal("8.4-mysql", env["Database__ServerVersion"]);
    }
}
