using System.Collections.Immutable;
using Confluent.Kafka;
using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Topics a client created by producing to or asking for a name the cluster did not have (the
/// mock auto-creates them) join the controller's bookkeeping, so they fail over like the
/// topology's topics and show in <c>GET /cluster</c>.
/// </summary>
/// <remarks>
/// Reading the mock's topic list is a blocking metadata request (up to 2 s when the mock is busy),
/// so it is made only when a topic may have appeared: a client learns of a topic only from a
/// Metadata response, and every one passes a forwarder, which tells the controller before the
/// client reads it when it names a topic the controller does not know (or when it cannot be
/// read, or a CreateTopics request passes). Until then describing the cluster, its offsets and
/// its health costs no request to the mock, and control requests never wait on it.
/// </remarks>
public sealed partial class ClusterController
{
    /// <summary>Kafka's broker default for min.insync.replicas, which an auto-created topic gets.</summary>
    private const int AutoCreatedMinInSyncReplicas = 1;

    private readonly Lock _adoptionGate = new();
    private IAdminClient? _metadataClient;
    private ImmutableHashSet<string> _topicNames = ImmutableHashSet<string>.Empty;

    /// <summary>1 when a topic the controller has not adopted may exist; 1 at start, so the first look reads the list once.</summary>
    private int _adoptionPending = 1;

    private long _topicListReads;

    /// <summary>How many times the controller has read the mock's topic list (to adopt topics clients created).</summary>
    public long TopicListReads => Interlocked.Read(ref _topicListReads);

    /// <summary>Adds a topic to the controller's bookkeeping (under <see cref="_gate"/>).</summary>
    private void AddTopicLocked(TopicState state)
    {
        _topics.Add(state);
        _topicNames = _topicNames.Add(state.Name);
    }

    private void OnTopicsListed(List<MetadataTopic> topics)
    {
        var known = Volatile.Read(ref _topicNames);
        foreach (var topic in topics)
        {
            // Only a topic that exists can be adopted; one still being created is listed again without its error.
            if (topic.ErrorCode == 0 && !known.Contains(topic.Name))
            {
                OnTopicsMayHaveChanged();
                return;
            }
        }
    }

    private void OnTopicsMayHaveChanged() => Volatile.Write(ref _adoptionPending, 1);

    /// <summary>
    /// Adopts the topics clients created since the last look, if a forwarder saw a sign of one;
    /// otherwise returns at once. A caller that saw the sign returns only after a read of the
    /// topic list that began after it.
    /// </summary>
    private void AdoptAutoCreatedTopics()
    {
        if (Volatile.Read(ref _adoptionPending) == 0)
        {
            return;
        }
        lock (_adoptionGate)
        {
            // Another caller may have read the list while this one waited; a sign that came after
            // that read set the flag again.
            if (Interlocked.Exchange(ref _adoptionPending, 0) == 0)
            {
                return;
            }
            if (!ReadTopicListAndAdopt())
            {
                OnTopicsMayHaveChanged();
            }
        }
    }

    /// <summary>Reads the mock's topic list and adopts the topics the controller does not know yet; false when the list could not be read.</summary>
    private bool ReadTopicListAndAdopt()
    {
        string bootstrap;
        lock (_gate)
        {
            if (_mock is null)
            {
                return true;
            }
            // The mock's own listeners: they answer metadata even for a broker stopped on purpose.
            bootstrap = _mock.InternalBootstraps;
        }
        Metadata metadata;
        try
        {
            _metadataClient ??= new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 2000 })
                .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
            Interlocked.Increment(ref _topicListReads);
            metadata = _metadataClient.GetMetadata(TimeSpan.FromSeconds(2));
        }
        catch (KafkaException)
        {
            return false; // Tried again on the next describe or broker change.
        }

        lock (_gate)
        {
            if (_mock is null)
            {
                return true;
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
                AddTopicLocked(state);
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
        return true;
    }

    private void DisposeMetadataClient()
    {
        lock (_adoptionGate)
        {
            _metadataClient?.Dispose();
            _metadataClient = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic '{Topic}' was created by a client ({Partitions} partitions, replication factor {ReplicationFactor}); it now fails over like the topology's topics")]
    private partial void LogTopicAdopted(string topic, int partitions, int replicationFactor);
}
