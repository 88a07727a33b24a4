using Confluent.Kafka;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Topics a client created by producing to or asking for a name the cluster did not have (the
/// mock auto-creates them) join the controller's bookkeeping, so they fail over like the
/// topology's topics and show in <c>GET /cluster</c>.
/// </summary>
public sealed partial class ClusterController
{
    /// <summary>Kafka's broker default for min.insync.replicas, which an auto-created topic gets.</summary>
    private const int AutoCreatedMinInSyncReplicas = 1;

    private IAdminClient? _metadataClient;

    /// <summary>Reads the mock's topic list and adopts the topics the controller does not know yet.</summary>
    private void AdoptAutoCreatedTopics()
    {
        string bootstrap;
        lock (_gate)
        {
            if (_mock is null)
            {
                return;
            }
            // The mock's own listeners: they answer metadata even for a broker stopped on purpose.
            bootstrap = _mock.InternalBootstraps;
        }
        Metadata metadata;
        try
        {
            _metadataClient ??= new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 2000 })
                .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
            metadata = _metadataClient.GetMetadata(TimeSpan.FromSeconds(2));
        }
        catch (KafkaException)
        {
            return; // Tried again on the next describe or broker change.
        }

        lock (_gate)
        {
            if (_mock is null)
            {
                return;
            }
            foreach (var topic in metadata.Topics)
            {
                if (topic.Error.Code != ErrorCode.NoError || topic.Partitions.Count == 0 || _topics.Any(t => t.Name == topic.Topic))
                {
                    continue;
                }
                var state = new TopicState(topic.Topic, AutoCreatedMinInSyncReplicas);
                foreach (var partition in topic.Partitions.OrderBy(p => p.PartitionId))
                {
                    // Kafka's preferred leader is the first replica.
                    state.Partitions.Add(new PartitionState(partition.PartitionId, partition.Replicas, partition.Replicas[0]) { Leader = partition.Leader });
                }
                _topics.Add(state);
                LogTopicAdopted(topic.Topic, topic.Partitions.Count, topic.Partitions.Min(p => p.Replicas.Length));
                foreach (var partition in state.Partitions.Where(p => !IsUp(p.Leader)))
                {
                    // Created while its leader was already down: move it now, as a controller would.
                    var leader = ElectLeader(state, partition);
                    if (leader > 0)
                    {
                        _mock.SetLeader(state.Name, partition.Id, leader);
                        partition.Leader = leader;
                    }
                }
            }
        }
    }

    private void DisposeMetadataClient()
    {
        _metadataClient?.Dispose();
        _metadataClient = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic '{Topic}' was created by a client ({Partitions} partitions, replication factor {ReplicationFactor}); it now fails over like the topology's topics")]
    private partial void LogTopicAdopted(string topic, int partitions, int replicationFactor);
}
