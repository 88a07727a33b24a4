using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaPractice.AppHost.Infrastructure;
using KafkaPractice.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// What turns Containers mode's <c>kafka</c> from Starting into Running (or FailedToStart): an init step
/// that waits until every node container runs and every broker has joined the cluster, then creates the
/// topology's topics once (or checks them, when the volumes already hold them). Also mirrors each node's
/// state onto <c>kafka</c>, where the broker commands read it.
/// </summary>
public static class KafkaClusterStartup
{
    /// <summary>How long the brokers may take to form a cluster once every container runs.</summary>
    public static readonly TimeSpan FormationTimeout = TimeSpan.FromMinutes(3);

    public static IResourceBuilder<KafkaClusterResource> WithClusterHealthAndTopics(
        this IResourceBuilder<KafkaClusterResource> cluster, KafkaTopology topology)
    {
        var builder = cluster.ApplicationBuilder;
        var name = cluster.Resource.Name;
        // One reader (one admin client) for the start-up, the health check and the dashboard view.
        builder.Services.AddKeyedSingleton(name, (_, _) => new KafkaClusterReader(cluster.Resource));
        var healthCheckKey = $"{name}-cluster";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            sp => new KafkaClusterHealthCheck(sp.GetRequiredKeyedService<KafkaClusterReader>(name), topology), failureStatus: null, tags: null));
        cluster.WithHealthCheck(healthCheckKey);
        var viewInterval = TimeSpan.FromMilliseconds(SettingBounds.Read(builder.Configuration, "Containers:KafkaViewIntervalMs", 2000, 500, 60_000,
            "milliseconds between reads of the cluster for the kafka details"));

        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, cancellationToken) =>
        {
            var stopping = e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var reader = e.Services.GetRequiredKeyedService<KafkaClusterReader>(name);
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            _ = Task.Run(() => MirrorNodeStatesAsync(e.Services, cluster.Resource, stopping), CancellationToken.None);
            _ = Task.Run(() => InitializeAsync(e.Services, cluster.Resource, reader, topology, stopping), CancellationToken.None);
            var monitor = new KafkaClusterMonitor(cluster.Resource, topology, reader, notifications,
                e.Services.GetRequiredService<ILogger<KafkaClusterMonitor>>(), viewInterval);
            _ = Task.Run(() => monitor.RunAsync(stopping), CancellationToken.None);
            return Task.CompletedTask;
        });
        return cluster;
    }

    private static async Task MirrorNodeStatesAsync(IServiceProvider services, KafkaClusterResource cluster, CancellationToken ct)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var names = cluster.Nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        try
        {
            await foreach (var change in notifications.WatchAsync(ct))
            {
                if (!names.Contains(change.Resource.Name))
                {
                    continue;
                }
                var property = KafkaClusterResource.NodeStateProperty(change.Resource.Name);
                var state = change.Snapshot.State?.Text ?? "";
                await notifications.PublishUpdateAsync(cluster, s => s with
                {
                    Properties = [.. s.Properties.Where(p => p.Name != property), new ResourcePropertySnapshot(property, state)],
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The AppHost is stopping.
        }
    }

    private static async Task InitializeAsync(IServiceProvider services, KafkaClusterResource cluster, KafkaClusterReader reader, KafkaTopology topology, CancellationToken ct)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var logger = services.GetRequiredService<ResourceLoggerService>().GetLogger(cluster);
        try
        {
            DateTime? allRunningSince = null;
            var brokersSeen = 0;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var states = cluster.Nodes
                    .Select(n => (n.Name, State: notifications.TryGetCurrentState(n.Name, out var current) ? current.Snapshot.State?.Text : null))
                    .ToList();
                var down = states.Where(s => KafkaContainersExtensions.IsStopped(s.State) || s.State == KnownResourceStates.RuntimeUnhealthy).ToList();
                if (down.Count > 0)
                {
                    await FailAsync(notifications, logger, cluster,
                        $"{string.Join(", ", down.Select(d => $"{d.Name} is {d.State}"))} before the Kafka cluster formed: read its console log " +
                        "(a configuration Kafka refuses ends the container at once; 'Runtime unhealthy' means no container engine answers).");
                    return;
                }
                if (states.All(s => s.State == KnownResourceStates.Running))
                {
                    allRunningSince ??= DateTime.UtcNow;
                    try
                    {
                        brokersSeen = (await reader.MetadataAsync(ct)).Brokers.Count;
                    }
                    catch (KafkaException)
                    {
                        brokersSeen = 0; // the JVMs are still starting
                    }
                    if (brokersSeen >= topology.Brokers)
                    {
                        break;
                    }
                    if (DateTime.UtcNow - allRunningSince > FormationTimeout)
                    {
                        await FailAsync(notifications, logger, cluster,
                            $"The Kafka containers run, but {brokersSeen} of {topology.Brokers} brokers joined the cluster within {FormationTimeout.TotalMinutes} minutes: " +
                            "read the console logs of kafka-controller and the brokers.");
                        return;
                    }
                }
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }

            List<string> problems;
            try
            {
                problems = await EnsureTopicsAsync(await reader.AdminAsync(ct), topology);
            }
            catch (KafkaException ex)
            {
                problems = [$"Creating or checking the topology's topics failed: {ex.Message}"];
            }
            if (problems.Count > 0)
            {
                await FailAsync(notifications, logger, cluster, string.Join(" ", problems));
                return;
            }
            AppHostLog.KafkaClusterReady(logger, topology.Brokers, string.Join(", ", topology.TopicsWithDeadLetters().Select(t => t.Name)));
            await notifications.PublishUpdateAsync(cluster, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        }
        catch (OperationCanceledException)
        {
            // The AppHost is stopping.
        }
    }

    private static async Task FailAsync(ResourceNotificationService notifications, ILogger logger, KafkaClusterResource cluster, string reason)
    {
        AppHostLog.KafkaClusterFailed(logger, reason);
        await notifications.PublishUpdateAsync(cluster, s => s with
        {
            State = new ResourceStateSnapshot(KnownResourceStates.FailedToStart, KnownResourceStateStyles.Error),
        });
    }

    /// <summary>
    /// Creates the topology's topics (and their dead-letter topics) that are missing, then checks every
    /// one: partitions, replication factor, and min.insync.replicas (DescribeConfigs, once). A topic that
    /// exists with other settings is reported, not silently changed.
    /// </summary>
    internal static async Task<List<string>> EnsureTopicsAsync(IAdminClient admin, KafkaTopology topology)
    {
        var wanted = topology.TopicsWithDeadLetters().ToList();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var existing = metadata.Topics.Where(t => !t.Error.IsError).ToDictionary(t => t.Topic);
        var missing = wanted.Where(t => !existing.ContainsKey(t.Name)).ToList();
        if (missing.Count > 0)
        {
            try
            {
                await admin.CreateTopicsAsync(missing.Select(t => new TopicSpecification
                {
                    Name = t.Name,
                    NumPartitions = t.Partitions,
                    ReplicationFactor = (short)t.ReplicationFactor,
                    Configs = new Dictionary<string, string> { ["min.insync.replicas"] = t.MinInSyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                }));
            }
            catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
                // Created concurrently: verified below.
            }
            metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            existing = metadata.Topics.Where(t => !t.Error.IsError).ToDictionary(t => t.Topic);
        }

        var problems = new List<string>();
        foreach (var topic in wanted)
        {
            if (!existing.TryGetValue(topic.Name, out var actual))
            {
                problems.Add($"Topic {topic.Name} could not be created.");
                continue;
            }
            if (actual.Partitions.Count != topic.Partitions)
            {
                problems.Add($"Topic {topic.Name} has {actual.Partitions.Count} partitions; the topology wants {topic.Partitions}.");
            }
            var replicas = actual.Partitions.Min(p => p.Replicas.Length);
            if (replicas != topic.ReplicationFactor)
            {
                problems.Add($"Topic {topic.Name} has replication factor {replicas}; the topology wants {topic.ReplicationFactor}.");
            }
        }

        var configs = await admin.DescribeConfigsAsync(wanted
            .Where(t => existing.ContainsKey(t.Name))
            .Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t.Name }));
        foreach (var config in configs)
        {
            var topic = wanted.First(t => t.Name == config.ConfigResource.Name);
            if (config.Entries.TryGetValue("min.insync.replicas", out var entry)
                && entry.Value != topic.MinInSyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                problems.Add($"Topic {topic.Name} has min.insync.replicas {entry.Value}; the topology wants {topic.MinInSyncReplicas}.");
            }
        }
        if (problems.Count > 0)
        {
            problems.Add("Remove the Kafka volumes (docker volume rm kafkapractice-kafka-1-data ...) to start from the topology, or change the topology to match.");
        }
        return problems;
    }
}
