namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Broker stop and start as a controller runs them: leaderships move to live replicas (and back
/// to the preferred leader), the controller role and group coordinators leave a stopping broker,
/// and the produce refusal follows the live replica count.
/// </summary>
public sealed partial class ClusterController
{
    /// <summary>
    /// Stops broker <paramref name="id"/> the way a controlled shutdown does: leaderships and
    /// coordinators move to live brokers first, then the broker goes down.
    /// </summary>
    public async Task<ClusterDescription?> StopBrokerAsync(int id, CancellationToken ct = default)
    {
        await _operations.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            AdoptAutoCreatedTopics();
            BrokerState broker;
            lock (_gate)
            {
                if (!_brokers.TryGetValue(id, out broker!))
                {
                    return null;
                }
                if (!broker.Up)
                {
                    return DescribeLocked();
                }
                broker.Up = false;
                var mock = RequireMock();
                foreach (var topic in _topics)
                {
                    foreach (var partition in topic.Partitions.Where(p => p.Leader == id))
                    {
                        var newLeader = ElectLeader(topic, partition);
                        mock.SetLeader(topic.Name, partition.Id, newLeader);
                        partition.Leader = newLeader;
                    }
                }
                if (_controllerId == id && LiveBrokerIds().FirstOrDefault() is var controller and > 0)
                {
                    _controllerId = controller;
                    mock.SetController(controller);
                }
                foreach (var (key, coordinator) in _coordinators.ToList())
                {
                    if (coordinator == id)
                    {
                        PinCoordinator(key.KeyType, key.Key, force: true);
                    }
                }
            }

            // Give clients a moment to follow the moved leaders before the broker disappears,
            // so requests in flight to it are not cut off (the mock would not deduplicate retries).
            // Not cancellable: the broker is already half-way through its shutdown.
            await Task.Delay(_options.StopGraceMs, CancellationToken.None).ConfigureAwait(false);

            lock (_gate)
            {
                RequireMock().SetBrokerDown(id);
                broker.Forwarder.Close();
                UpdateProduceRefusalLocked();
                var live = string.Join(',', LiveBrokerIds());
                LogBrokerStopped(id, live, _produceRefused);
                return DescribeLocked();
            }
        }
        finally
        {
            _operations.Release();
        }
    }

    public async Task<ClusterDescription?> StartBrokerAsync(int id, CancellationToken ct = default)
    {
        await _operations.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            AdoptAutoCreatedTopics();
            lock (_gate)
            {
                if (!_brokers.TryGetValue(id, out var broker))
                {
                    return null;
                }
                if (broker.Up)
                {
                    return DescribeLocked();
                }
                var mock = RequireMock();
                mock.SetBrokerUp(id);
                broker.Forwarder.Open();
                broker.Up = true;
                foreach (var topic in _topics)
                {
                    foreach (var partition in topic.Partitions)
                    {
                        var leaderless = partition.Leader < 1;
                        var preferredBack = _options.PreferredLeaderElection && partition.Preferred == id && partition.Leader != id;
                        if ((leaderless && partition.Replicas.Contains(id)) || preferredBack)
                        {
                            var leader = leaderless ? ElectLeader(topic, partition) : id;
                            mock.SetLeader(topic.Name, partition.Id, leader);
                            partition.Leader = leader;
                        }
                    }
                }
                if (!IsUp(_controllerId))
                {
                    _controllerId = id;
                    mock.SetController(id);
                }
                foreach (var (key, coordinator) in _coordinators.ToList())
                {
                    if (!IsUp(coordinator))
                    {
                        PinCoordinator(key.KeyType, key.Key, force: true);
                    }
                }
                UpdateProduceRefusalLocked();
                var live = string.Join(',', LiveBrokerIds());
                LogBrokerStarted(id, live, _produceRefused);
                return DescribeLocked();
            }
        }
        finally
        {
            _operations.Release();
        }
    }

    /// <summary>A live replica, preferring the preferred leader, then the one leading the fewest partitions.</summary>
    private int ElectLeader(TopicState topic, PartitionState partition)
    {
        var live = partition.Replicas.Where(IsUp).ToList();
        if (live.Count == 0)
        {
            return -1;
        }
        if (live.Contains(partition.Preferred))
        {
            return partition.Preferred;
        }
        var load = _topics.SelectMany(t => t.Partitions).GroupBy(p => p.Leader).ToDictionary(g => g.Key, g => g.Count());
        return live.OrderBy(b => load.GetValueOrDefault(b)).ThenBy(b => b).First();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId} stopped; live brokers: {Live}; produce refused (below min.insync.replicas): {Refused}")]
    private partial void LogBrokerStopped(int brokerId, string live, bool refused);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} started; live brokers: {Live}; produce refused (below min.insync.replicas): {Refused}")]
    private partial void LogBrokerStarted(int brokerId, string live, bool refused);
}
