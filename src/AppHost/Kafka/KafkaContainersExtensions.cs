using System.Globalization;
using KafkaPractice.Messaging;

namespace KafkaPractice.AppHost.Kafka;

public static class KafkaContainersExtensions
{
    /// <summary>
    /// One cluster id for every node: a Kafka UUID (16 bytes, URL-safe base64 without padding, 22
    /// characters), as <c>kafka-storage format</c> requires. KRaft nodes refuse to join a cluster
    /// whose id differs from the one their data volume was formatted with.
    /// </summary>
    public const string ClusterId = "S2Fma2FQcmFjdGljZS12MQ";

    /// <summary>The controller's node id; brokers are 1..N so their ids match <c>kafka-N</c> and the broker commands.</summary>
    public const int ControllerNodeId = 0;

    public const string ControllerSuffix = "controller";

    /// <summary>Heaps small enough that four JVMs fit a laptop next to the IDE (the image's default is 1 GiB each).</summary>
    public const string BrokerHeap = "-Xms512m -Xmx512m";
    public const string ControllerHeap = "-Xms256m -Xmx256m";

    /// <summary>
    /// Adds Apache's isolated KRaft layout under a parent resource <paramref name="name"/>: one
    /// controller-only node <c>{name}-controller</c> and <c>topology.Brokers</c> broker-only nodes
    /// <c>{name}-1..N</c>. Every broker listens on the same container ports (HOST 9092, INTERNAL 19092);
    /// only the published host port differs: host clients reach broker N on
    /// localhost:(firstHostPort + N - 1), which that broker advertises. Data lives in a volume per node
    /// (none when <paramref name="dataVolumes"/> is false: every start formats empty logs).
    /// </summary>
    public static IResourceBuilder<KafkaClusterResource> AddKafkaKRaftCluster(
        this IDistributedApplicationBuilder builder, string name, KafkaTopology topology, int firstHostPort, bool dataVolumes = true)
    {
        var hostPorts = Enumerable.Range(firstHostPort, topology.Brokers).ToList();
        if (hostPorts.Contains(KafkaContainerPorts.Internal) || hostPorts.Contains(KafkaContainerPorts.Controller))
        {
            throw new InvalidOperationException(
                $"Containers:KafkaFirstBrokerPort={firstHostPort} makes the broker host ports {hostPorts[0]}-{hostPorts[^1]} overlap the " +
                $"container-network ports {KafkaContainerPorts.Internal}/{KafkaContainerPorts.Controller}; choose another first port (default 9092).");
        }

        var cluster = builder.AddResource(new KafkaClusterResource(name))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "KafkaCluster",
                State = KnownResourceStates.Starting,
                Properties = [],
            })
            .WithIconName("DataUsage");

        var controllerName = $"{name}-{ControllerSuffix}";
        var voters = string.Create(CultureInfo.InvariantCulture, $"{ControllerNodeId}@{controllerName}:{KafkaContainerPorts.Controller}");
        var replication = topology.Topics.Count == 0 ? topology.Brokers : topology.Topics.Max(t => t.ReplicationFactor);
        var minInSync = topology.Topics.Count == 0 ? 1 : topology.Topics.Min(t => t.MinInSyncReplicas);

        var common = new NodeSettings(voters, replication, minInSync, topology.Brokers, dataVolumes);

        var controller = new KafkaControllerContainerResource(controllerName, ControllerNodeId);
        cluster.Resource.Controller = controller;
        builder.AddResource(controller)
            .AsKRaftNode(cluster, ControllerNodeId, "controller", ControllerHeap, common)
            .WithEnvironment("KAFKA_LISTENERS", string.Create(CultureInfo.InvariantCulture, $"CONTROLLER://:{KafkaContainerPorts.Controller}"))
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT");

        for (var id = 1; id <= topology.Brokers; id++)
        {
            var brokerName = $"{name}-{id}";
            var hostPort = hostPorts[id - 1];
            var broker = new KafkaBrokerContainerResource(brokerName, id);
            cluster.Resource.Brokers.Add(broker);

            builder.AddResource(broker)
                .AsKRaftNode(cluster, id, "broker", BrokerHeap, common)
                // Not proxied: the broker advertises localhost:hostPort, so that port must reach it directly.
                .WithEndpoint(port: hostPort, targetPort: KafkaContainerPorts.Host, scheme: "tcp",
                    name: KafkaBrokerContainerResource.HostEndpointName, isProxied: false)
                .WithEnvironment("KAFKA_LISTENERS", string.Create(CultureInfo.InvariantCulture, $"INTERNAL://:{KafkaContainerPorts.Internal},HOST://:{KafkaContainerPorts.Host}"))
                .WithEnvironment("KAFKA_ADVERTISED_LISTENERS", string.Create(CultureInfo.InvariantCulture,
                    $"INTERNAL://{broker.InternalAddress},HOST://localhost:{hostPort}"))
                .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,HOST:PLAINTEXT")
                .WithEnvironment("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL");
        }

        cluster.WithClusterHealthAndTopics(topology);
        cluster.WithKafkaUi();
        cluster.WithBrokerCommands(topology.Brokers,
            (context, brokerId, action) => ExecuteBrokerCommandAsync(context, $"{name}-{brokerId}", action),
            (context, brokerId, action) => BrokerCommandState(context, $"{name}-{brokerId}", action));
        return cluster;
    }

    /// <summary>What every node of the cluster shares.</summary>
    private sealed record NodeSettings(string Voters, int Replication, int MinInSync, int Brokers, bool DataVolumes);

    /// <summary>The image, identity, quorum, replication defaults, heap and data volume of one KRaft node, shown under <c>kafka</c>.</summary>
    private static IResourceBuilder<T> AsKRaftNode<T>(this IResourceBuilder<T> node, IResourceBuilder<KafkaClusterResource> cluster,
        int nodeId, string role, string heap, NodeSettings settings)
        where T : ContainerResource =>
        node.WithKafkaImage()
            .WithEnvironment("KAFKA_NODE_ID", nodeId.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("CLUSTER_ID", ClusterId)
            .WithEnvironment("KAFKA_PROCESS_ROLES", role)
            .WithEnvironment("KAFKA_CONTROLLER_QUORUM_VOTERS", settings.Voters)
            .WithEnvironment("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
            .WithReplicationSettings(settings)
            .WithEnvironment("KAFKA_HEAP_OPTS", heap)
            .WithDataVolume(node.Resource.Name, settings.DataVolumes)
            .WithParentRelationship(cluster);

    /// <summary>
    /// Replication defaults and internal topics (consumer offsets, transactions, share groups), on every
    /// node as in Apache's examples: in KRaft the controller applies the defaults to CreateTopics, the
    /// brokers create the internal topics. Never more replicas than brokers, never a min ISR above them.
    /// </summary>
    private static IResourceBuilder<T> WithReplicationSettings<T>(this IResourceBuilder<T> node, NodeSettings settings)
        where T : ContainerResource
    {
        var (replication, minInSync, brokers) = (settings.Replication, settings.MinInSync, settings.Brokers);
        var internalReplication = Math.Min(replication, brokers).ToString(CultureInfo.InvariantCulture);
        var internalMinInSync = Math.Min(minInSync, Math.Min(replication, brokers)).ToString(CultureInfo.InvariantCulture);
        return node
            .WithEnvironment("KAFKA_DEFAULT_REPLICATION_FACTOR", replication.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("KAFKA_MIN_INSYNC_REPLICAS", minInSync.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", internalReplication)
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", internalReplication)
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", internalMinInSync)
            .WithEnvironment("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", internalReplication)
            .WithEnvironment("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", internalMinInSync)
            .WithEnvironment("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
            .WithEnvironment("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    }

    private static IResourceBuilder<T> WithKafkaImage<T>(this IResourceBuilder<T> node) where T : ContainerResource =>
        node.WithImage(KafkaContainerImages.Image, KafkaContainerImages.Tag)
            .WithImageRegistry(KafkaContainerImages.Registry)
            .WithLifetime(ContainerLifetime.Session);

    private static IResourceBuilder<T> WithDataVolume<T>(this IResourceBuilder<T> node, string nodeName, bool dataVolume) where T : ContainerResource
    {
        node.WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data");
        return dataVolume ? node.WithVolume($"kafkapractice-{nodeName}-data", "/var/lib/kafka/data") : node;
    }

    /// <summary>Start only a stopped broker, stop only a running one (a second Start would recreate the container).</summary>
    internal static ResourceCommandState BrokerCommandState(UpdateCommandStateContext context, string brokerName, string action)
    {
        var state = context.ResourceSnapshot.Properties
            .FirstOrDefault(p => p.Name == KafkaClusterResource.NodeStateProperty(brokerName))?.Value as string;
        return action == "stop"
            ? state == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled
            : IsStopped(state) ? ResourceCommandState.Enabled : ResourceCommandState.Disabled;
    }

    internal static bool IsStopped(string? state) =>
        state is not null && KnownResourceStates.TerminalStates.Contains(state);

    private static async Task<ExecuteCommandResult> ExecuteBrokerCommandAsync(ExecuteCommandContext context, string brokerName, string action)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        var state = notifications.TryGetCurrentState(brokerName, out var current) ? current.Snapshot.State?.Text : null;
        if (action == "stop" && state != KnownResourceStates.Running)
        {
            return CommandResults.Failure($"{brokerName} is not running (state: {state ?? "unknown"}).");
        }
        if (action == "start" && !IsStopped(state))
        {
            return CommandResults.Failure($"{brokerName} is not stopped (state: {state ?? "unknown"}); start it once it has stopped.");
        }
        var commands = context.Services.GetRequiredService<ResourceCommandService>();
        var command = action == "stop" ? KnownResourceCommands.StopCommand : KnownResourceCommands.StartCommand;
        return await commands.ExecuteCommandAsync(brokerName, command, context.CancellationToken);
    }
}
