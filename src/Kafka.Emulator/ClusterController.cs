using System.Diagnostics;
using System.Net;
using KafkaPractice.Kafka.Emulator.Native;
using KafkaPractice.Messaging;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Plays the part of a Kafka controller on top of the librdkafka mock cluster: fixed broker
/// addresses, topic placement, leader failover, group coordinator placement and the
/// min.insync.replicas rule for acks=all produce.
/// </summary>
public sealed partial class ClusterController : IHostedService, IAsyncDisposable
{
    private readonly KafkaTopology _topology;
    private readonly EmulatorOptions _options;
    private readonly ILogger<ClusterController> _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _operations = new(1, 1);
    private readonly Dictionary<int, BrokerState> _brokers = [];
    private readonly List<TopicState> _topics = [];
    private readonly Dictionary<(string KeyType, string Key), int> _coordinators = [];
    private MockCluster? _mock;
    private MockApiSupport? _apiSupport;
    private int _controllerId;
    private bool _produceRefused;
    private long _producesSinceStackPush;

    public ClusterController(KafkaTopology topology, IOptions<EmulatorOptions> options, ILogger<ClusterController> logger)
    {
        _topology = topology;
        _options = options.Value;
        _logger = logger;
    }

    public string Bootstrap => _options.Bootstrap(_topology.Brokers);

    public bool IsRunning => _mock?.IsRunning ?? false;

    /// <summary>How long the last start took, from creating the mock to the forwarders listening.</summary>
    public TimeSpan StartDuration { get; private set; }

    /// <summary>Group ids the emulator knows: configured ones and those seen in FindCoordinator requests.</summary>
    public IReadOnlyList<string> KnownGroups()
    {
        lock (_gate)
        {
            return [.. _coordinators.Keys.Where(k => k.KeyType == "group").Select(k => k.Key)];
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public void Start()
    {
        var sw = Stopwatch.StartNew();
        KafkaTopologyValidator.ThrowIfInvalid(_topology);
        var n = _topology.Brokers;
        var mock = MockCluster.Create(n);
        try
        {
            if (_options.GroupInitialRebalanceDelayMs >= 0)
            {
                mock.SetGroupInitialRebalanceDelay(_options.GroupInitialRebalanceDelayMs);
            }
            var internalPorts = mock.InternalPorts();
            _apiSupport = MockApiSupport.Query(internalPorts[1], _logger);
            var listen = ListenAddress(_options.Host);
            lock (_gate)
            {
                _mock = mock;
                for (var id = 1; id <= n; id++)
                {
                    var port = _options.PortOf(id);
                    mock.SetAdvertised(id, _options.Host, port);
                    var forwarder = new BrokerForwarder(id, listen, port, internalPorts[id], new Observer(this), _logger);
                    _brokers[id] = new BrokerState(id, _options.Host, port, forwarder) { Up = true };
                }

                var topicIndex = 0;
                foreach (var topic in _topology.TopicsWithDeadLetters())
                {
                    mock.CreateTopic(topic.Name, topic.Partitions, topic.ReplicationFactor);
                    var state = new TopicState(topic.Name, topic.MinInSyncReplicas);
                    for (var p = 0; p < topic.Partitions; p++)
                    {
                        var replicas = MockReplicas(p, topic.ReplicationFactor, n);
                        var preferred = (p + topicIndex) % n + 1;
                        if (!replicas.Contains(preferred))
                        {
                            preferred = replicas[0];
                        }
                        mock.SetLeader(topic.Name, p, preferred);
                        state.Partitions.Add(new PartitionState(p, replicas, preferred) { Leader = preferred });
                    }
                    _topics.Add(state);
                    topicIndex++;
                }

                _controllerId = 1;
                mock.SetController(_controllerId);
                foreach (var group in _options.ConsumerGroupIds())
                {
                    PinCoordinator("group", group);
                }
            }

            foreach (var broker in _brokers.Values)
            {
                broker.Forwarder.Open();
            }
        }
        catch
        {
            foreach (var broker in _brokers.Values)
            {
                broker.Forwarder.Close();
            }
            mock.Dispose();
            throw;
        }
        StartDuration = sw.Elapsed;
        LogReady(Bootstrap, n, _topics.Count, (long)StartDuration.TotalMilliseconds);
    }

    /// <summary>
    /// The replicas the mock assigns to a partition (librdkafka 2.16: starting at broker index
    /// (partition * RF) % brokers, then the following brokers in id order).
    /// </summary>
    private static int[] MockReplicas(int partition, int replicationFactor, int brokers)
    {
        var count = Math.Min(replicationFactor, brokers);
        var first = partition * replicationFactor % brokers;
        return [.. Enumerable.Range(0, count).Select(i => (first + i) % brokers + 1)];
    }

    private static IPAddress ListenAddress(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Any;
    }

    public bool HasBroker(int id)
    {
        lock (_gate)
        {
            return _brokers.ContainsKey(id);
        }
    }

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

    /// <summary>
    /// Broker <paramref name="id"/> keeps taking requests (writes land) but its answers are lost
    /// until <see cref="DeliverResponses"/>: producers time out not knowing whether their records
    /// were written. Null for an unknown broker.
    /// </summary>
    public ClusterDescription? DropResponses(int id)
    {
        lock (_gate)
        {
            if (!_brokers.TryGetValue(id, out var broker))
            {
                return null;
            }
            broker.Forwarder.DropResponses();
            LogDroppingResponses(id);
            return DescribeLocked();
        }
    }

    /// <summary>Arms (a positive <paramref name="delay"/>) or disarms (null) broker <paramref name="id"/>'s delay-visibility fault (see <see cref="BrokerForwarder.DelayVisibility"/>). Null for an unknown broker.</summary>
    public ClusterDescription? DelayVisibility(int id, TimeSpan? delay)
    {
        lock (_gate)
        {
            if (!_brokers.TryGetValue(id, out var broker))
            {
                return null;
            }
            if (delay is { } armed)
            {
                broker.Forwarder.DelayVisibility(armed);
            }
            else
            {
                broker.Forwarder.CancelDelayVisibility();
            }
            return DescribeLocked();
        }
    }

    public ClusterDescription? DeliverResponses(int id)
    {
        lock (_gate)
        {
            if (!_brokers.TryGetValue(id, out var broker))
            {
                return null;
            }
            broker.Forwarder.DeliverResponses();
            LogDeliveringResponses(id);
            return DescribeLocked();
        }
    }

    /// <summary>Requests clients made for APIs or versions the mock lacks (each also logged once as a warning).</summary>
    public IReadOnlyList<UnsupportedRequestDescription> UnsupportedRequests() => _apiSupport?.Seen() ?? [];

    public ClusterDescription Describe()
    {
        AdoptAutoCreatedTopics();
        lock (_gate)
        {
            return DescribeLocked();
        }
    }

    private ClusterDescription DescribeLocked()
    {
        var brokers = _brokers.Values.OrderBy(b => b.Id).Select(b => new BrokerDescription(b.Id, b.Host, b.Port, b.Up, b.Forwarder.DroppingResponses)).ToList();
        var topics = _topics.Select(t => new TopicDescription(
            t.Name,
            t.MinInSyncReplicas,
            [.. t.Partitions.Select(p =>
            {
                var live = p.Replicas.Where(IsUp).ToArray();
                return new PartitionDescription(p.Id, p.Leader, p.Replicas, live, live.Length < t.MinInSyncReplicas);
            })])).ToList();
        var coordinators = _coordinators.OrderBy(c => c.Key.KeyType, StringComparer.Ordinal).ThenBy(c => c.Key.Key, StringComparer.Ordinal)
            .Select(c => new CoordinatorDescription(c.Key.KeyType, c.Key.Key, c.Value)).ToList();
        return new ClusterDescription(brokers, _controllerId, _produceRefused, topics, coordinators);
    }

    private bool IsUp(int id) => _brokers.TryGetValue(id, out var b) && b.Up;

    private IEnumerable<int> LiveBrokerIds() => _brokers.Values.Where(b => b.Up).Select(b => b.Id).Order();

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

    /// <summary>
    /// Places a group's (or transactional id's) coordinator on a live broker. The mock would
    /// otherwise hash the key onto a broker whether it is up or not.
    /// </summary>
    private void PinCoordinator(string keyType, string key, bool force = false)
    {
        if (!force && _coordinators.ContainsKey((keyType, key)))
        {
            return;
        }
        var live = LiveBrokerIds().ToList();
        if (live.Count == 0)
        {
            return;
        }
        var broker = live[(int)(StableHash(key) % (uint)live.Count)];
        RequireMock().SetGroupCoordinator(keyType, key, broker);
        _coordinators[(keyType, key)] = broker;
    }

    private static uint StableHash(string s)
    {
        var hash = 2166136261u;
        foreach (var c in s)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }

    /// <summary>
    /// Refuses every ProduceRequest with NOT_ENOUGH_REPLICAS while any partition has fewer live
    /// replicas than its topic's min.insync.replicas (cluster-wide: the mock has no usable
    /// per-partition switch), and lifts the refusal when none is below the minimum.
    /// </summary>
    private void UpdateProduceRefusalLocked()
    {
        var mock = RequireMock();
        var under = _topics.Any(t => t.Partitions.Any(p => p.Replicas.Count(IsUp) < t.MinInSyncReplicas));
        if (under && !_produceRefused)
        {
            mock.PushRequestErrors(MockApi.ProduceApiKey, MockApi.NotEnoughReplicas, _options.RefusalStackSize);
            Interlocked.Exchange(ref _producesSinceStackPush, 0);
            _produceRefused = true;
        }
        else if (!under && _produceRefused)
        {
            mock.ClearRequestErrors(MockApi.ProduceApiKey);
            _produceRefused = false;
        }
    }

    private void OnProduceRequest()
    {
        if (!Volatile.Read(ref _produceRefused))
        {
            return;
        }
        var count = Interlocked.Increment(ref _producesSinceStackPush);
        if (count < _options.RefusalStackSize / 2)
        {
            return;
        }
        lock (_gate)
        {
            if (_produceRefused && Interlocked.Read(ref _producesSinceStackPush) >= _options.RefusalStackSize / 2)
            {
                // Top the stack up well before it runs out.
                RequireMock().PushRequestErrors(MockApi.ProduceApiKey, MockApi.NotEnoughReplicas, _options.RefusalStackSize / 2);
                Interlocked.Add(ref _producesSinceStackPush, -(_options.RefusalStackSize / 2));
            }
        }
    }

    private void OnCoordinatorKey(int keyType, string key)
    {
        var type = keyType == 1 ? "transaction" : "group";
        lock (_gate)
        {
            if (_mock is null || _coordinators.ContainsKey((type, key)))
            {
                return;
            }
            PinCoordinator(type, key);
            var broker = _coordinators.GetValueOrDefault((type, key));
            LogCoordinatorPlaced(type, key, broker);
        }
    }

    private MockCluster RequireMock() => _mock ?? throw new InvalidOperationException("The mock cluster is not running.");

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Shutdown();
        return Task.CompletedTask;
    }

    private void Shutdown()
    {
        MockCluster? mock;
        lock (_gate)
        {
            mock = _mock;
            _mock = null;
            foreach (var broker in _brokers.Values)
            {
                broker.Forwarder.Close();
            }
        }
        DisposeMetadataClient();
        DisposeOffsetsReader();
        if (mock is not null)
        {
            mock.Dispose();
            LogStopped();
        }
    }

    public ValueTask DisposeAsync()
    {
        Shutdown();
        _operations.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka emulator ready: bootstrap={Bootstrap} ({Brokers} brokers, {Topics} topics, started in {ElapsedMs} ms)")]
    private partial void LogReady(string bootstrap, int brokers, int topics, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId} stopped; live brokers: {Live}; produce refused (below min.insync.replicas): {Refused}")]
    private partial void LogBrokerStopped(int brokerId, string live, bool refused);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} started; live brokers: {Live}; produce refused (below min.insync.replicas): {Refused}")]
    private partial void LogBrokerStarted(int brokerId, string live, bool refused);

    [LoggerMessage(Level = LogLevel.Information, Message = "Coordinator for {KeyType} '{Key}' placed on broker {BrokerId}")]
    private partial void LogCoordinatorPlaced(string keyType, string key, int brokerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka emulator stopped; the mock cluster and its data are gone")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId} now drops its answers: requests still land, clients hear nothing")]
    private partial void LogDroppingResponses(int brokerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} answers again; its connections were reset")]
    private partial void LogDeliveringResponses(int brokerId);

    private sealed class Observer(ClusterController owner) : IRequestObserver
    {
        public void OnRequest(int brokerId, ReadOnlySpan<byte> request) => owner._apiSupport?.Check(brokerId, request);

        public void OnProduceRequest() => owner.OnProduceRequest();

        public void OnCoordinatorKey(int keyType, string key) => owner.OnCoordinatorKey(keyType, key);
    }

    private sealed class BrokerState(int id, string host, int port, BrokerForwarder forwarder)
    {
        public int Id { get; } = id;
        public string Host { get; } = host;
        public int Port { get; } = port;
        public BrokerForwarder Forwarder { get; } = forwarder;
        public bool Up { get; set; }
    }

    private sealed class TopicState(string name, int minInSyncReplicas)
    {
        public string Name { get; } = name;
        public int MinInSyncReplicas { get; } = minInSyncReplicas;
        public List<PartitionState> Partitions { get; } = [];
    }

    private sealed class PartitionState(int id, int[] replicas, int preferred)
    {
        public int Id { get; } = id;
        public int[] Replicas { get; } = replicas;
        public int Preferred { get; } = preferred;
        public int Leader { get; set; }
    }
}
