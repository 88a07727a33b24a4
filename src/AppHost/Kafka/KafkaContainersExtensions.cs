using System.Globalization;
using KafkaPractice.ServiceDefaults.Kafka;

namespace KafkaPractice.AppHost.Kafka;

public static class KafkaContainersExtensions
{
    /// <summary>One cluster id for every node; KRaft nodes refuse to join a cluster with another id.</summary>
    public const string ClusterId = "a2Fma2FQcmFjdGljZTAx";

    /// <summary>
    /// Adds a KRaft cluster of <c>topology.Brokers</c> <c>apache/kafka</c> containers named
    /// <c>{name}-1..N</c> (each broker and controller), under a parent resource <paramref name="name"/>.
    /// Host clients reach broker N on 127.0.0.1:(firstHostPort + N - 1), a fixed port because the
    /// broker advertises it; brokers talk to each other on their INTERNAL listener inside the
    /// container network. Data lives in a volume per broker, so it survives a restart.
    /// </summary>
    public static IResourceBuilder<KafkaClusterResource> AddKafkaKRaftCluster(
        this IDistributedApplicationBuilder builder, string name, KafkaTopology topology, int firstHostPort)
    {
        var cluster = builder.AddResource(new KafkaClusterResource(name))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "KafkaCluster",
                State = KnownResourceStates.Starting,
                Properties = [],
            })
            .WithIconName("DataUsage");

        var voters = string.Join(",", Enumerable.Range(1, topology.Brokers)
            .Select(id => $"{id}@{name}-{id}:{KafkaBrokerContainerResource.ControllerPort}"));
        var minInSync = topology.Topics.Count == 0 ? 1 : topology.Topics.Min(t => t.MinInSyncReplicas);
        var replication = topology.Topics.Count == 0 ? topology.Brokers : topology.Topics.Max(t => t.ReplicationFactor);

        for (var id = 1; id <= topology.Brokers; id++)
        {
            var brokerName = $"{name}-{id}";
            var hostPort = firstHostPort + id - 1;
            var broker = new KafkaBrokerContainerResource(brokerName, id);
            var listeners = string.Create(CultureInfo.InvariantCulture,
                $"HOST://0.0.0.0:{hostPort},INTERNAL://0.0.0.0:{KafkaBrokerContainerResource.InternalPort},CONTROLLER://0.0.0.0:{KafkaBrokerContainerResource.ControllerPort}");
            var advertised = string.Create(CultureInfo.InvariantCulture,
                $"HOST://localhost:{hostPort},INTERNAL://{brokerName}:{KafkaBrokerContainerResource.InternalPort}");
            cluster.Resource.Brokers.Add(broker);

            builder.AddResource(broker)
                .WithImage(KafkaContainerImages.Image, KafkaContainerImages.Tag)
                .WithImageRegistry(KafkaContainerImages.Registry)
                .WithEndpoint(port: hostPort, targetPort: hostPort, scheme: "tcp",
                    name: KafkaBrokerContainerResource.HostEndpointName, isProxied: false)
                .WithEndpoint(targetPort: KafkaBrokerContainerResource.InternalPort,
                    name: KafkaBrokerContainerResource.InternalEndpointName, scheme: "tcp", isExternal: false)
                .WithEndpoint(targetPort: KafkaBrokerContainerResource.ControllerPort,
                    name: KafkaBrokerContainerResource.ControllerEndpointName, scheme: "tcp", isExternal: false)
                .WithEnvironment("KAFKA_NODE_ID", id.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("CLUSTER_ID", ClusterId)
                .WithEnvironment("KAFKA_PROCESS_ROLES", "broker,controller")
                .WithEnvironment("KAFKA_CONTROLLER_QUORUM_VOTERS", voters)
                .WithEnvironment("KAFKA_LISTENERS", listeners)
                .WithEnvironment("KAFKA_ADVERTISED_LISTENERS", advertised)
                .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "HOST:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .WithEnvironment("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL")
                .WithEnvironment("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
                .WithEnvironment("KAFKA_DEFAULT_REPLICATION_FACTOR", replication.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("KAFKA_MIN_INSYNC_REPLICAS", minInSync.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", replication.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", replication.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", minInSync.ToString(CultureInfo.InvariantCulture))
                .WithEnvironment("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .WithEnvironment("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data")
                .WithVolume($"kafkapractice-{brokerName}-data", "/var/lib/kafka/data")
                .WithParentRelationship(cluster)
                .WithLifetime(ContainerLifetime.Session);
        }

        var healthCheckKey = $"{name}-cluster";
        builder.Services.AddSingleton(new KafkaClusterHealthCheck.Registration(cluster.Resource, topology));
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            healthCheckKey,
            sp => new KafkaClusterHealthCheck(sp.GetRequiredService<KafkaClusterHealthCheck.Registration>()),
            failureStatus: null, tags: null));
        cluster.WithHealthCheck(healthCheckKey);

        // The parent runs once every broker container runs; its health check then decides readiness.
        var running = 0;
        foreach (var broker in cluster.Resource.Brokers)
        {
            builder.Eventing.Subscribe<ResourceReadyEvent>(broker, async (e, ct) =>
            {
                if (Interlocked.Increment(ref running) != cluster.Resource.Brokers.Count)
                {
                    return;
                }
                var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
                await notifications.PublishUpdateAsync(cluster.Resource, s => s with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                });
            });
        }

        cluster.WithBrokerCommands(topology.Brokers, async (context, brokerId, action) =>
        {
            var commands = context.Services.GetRequiredService<ResourceCommandService>();
            var command = action == "stop" ? KnownResourceCommands.StopCommand : KnownResourceCommands.StartCommand;
            return await commands.ExecuteCommandAsync($"{name}-{brokerId}", command, context.CancellationToken);
        });
        return cluster;
    }
}
