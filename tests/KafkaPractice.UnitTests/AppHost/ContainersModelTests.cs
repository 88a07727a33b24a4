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

    private static Task<Dictionary<string, string>> EnvironmentOf(IResource resource) => KafkaConfigRuleTests.EnvironmentOf(resource);

    [Fact]
    public async Task Contract_resources_exist()
    {
        var builder = await BuildModelAsync();
        var names = builder.Resources.Select(r => r.Name).ToHashSet();

        Assert.Superset(new HashSet<string> { "kafka", "kafka-controller", "kafka-1", "kafka-2", "kafka-3", "mysql", "appdb", "redis", "producer-api", "consumer-worker" }, names);
    }

    [Fact]
    public async Task Kafka_is_a_dedicated_controller_and_three_brokers_of_the_pinned_image_each_with_a_volume_and_a_modest_heap()
    {
        var builder = await BuildModelAsync();
        var kafka = builder.Resources.OfType<KafkaClusterResource>().Single(r => r.Name == "kafka");
        var nodes = kafka.Nodes.ToList();

        Assert.Equal(["kafka-controller", "kafka-1", "kafka-2", "kafka-3"], nodes.Select(n => n.Name));
        foreach (var node in nodes)
        {
            var image = Assert.Single(node.Annotations.OfType<ContainerImageAnnotation>());
            Assert.Equal(("apache/kafka", "4.1.0"), (image.Image, image.Tag));
            var volume = Assert.Single(node.Annotations.OfType<ContainerMountAnnotation>());
            Assert.Equal((ContainerMountType.Volume, "/var/lib/kafka/data"), (volume.Type, volume.Target));
            Assert.True(node.TryGetAnnotationsOfType<ResourceRelationshipAnnotation>(out var relations)
                && relations.Any(r => r.Resource == kafka && r.Type == "Parent"), $"{node.Name} is not shown under kafka");

            var env = await EnvironmentOf(node);
            Assert.Equal(node == kafka.Controller ? "controller" : "broker", env["KAFKA_PROCESS_ROLES"]);
            Assert.Matches(@"^-Xms\d+m -Xmx(\d+)m$", env["KAFKA_HEAP_OPTS"]);
            Assert.InRange(int.Parse(System.Text.RegularExpressions.Regex.Match(env["KAFKA_HEAP_OPTS"], @"Xmx(\d+)m").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 128, 512);
        }
    }

    [Fact]
    public async Task Broker_ids_match_their_names_so_broker_commands_and_metadata_agree()
    {
        var builder = await BuildModelAsync();
        foreach (var broker in builder.Resources.OfType<KafkaBrokerContainerResource>())
        {
            var env = await EnvironmentOf(broker);
            Assert.Equal($"kafka-{env["KAFKA_NODE_ID"]}", broker.Name);
        }
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
        Assert.Equal("8.4-mysql", env["Aspire__Pomelo__EntityFrameworkCore__MySql__ServerVersion"]);
    }
}
