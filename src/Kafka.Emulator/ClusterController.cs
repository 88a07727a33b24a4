using System.Diagnostics;
using System.Net;
using KafkaPractice.Kafka.Emulator.Native;
using KafkaPractice.Kafka.Emulator.Wire;
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
            var internalPorts = mock.InternalPorts;
            _apiSupport = MockApiSupport.Query(internalPorts[1], _logger);
            var listen = ListenAddress(_options.Host);
            var arrivals = new RecordArrivals();
            lock (_gate)
            {
                _mock = mock;
                for (var id = 1; id <= n; id++)
                {
                    var port = _options.PortOf(id);
                    mock.SetAdvertised(id, _options.Host, port);
                    var forwarder = new BrokerForwarder(id, listen, port, internalPorts[id], new Observer(this), arrivals, _logger);
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
                    AddTopicLocked(state);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka emulator stopped; the mock cluster and its data are gone")]
    private partial void LogStopped();

    private sealed class Observer(ClusterController owner) : IRequestObserver
    {
        public void OnRequest(int brokerId, ReadOnlySpan<byte> request) => owner._apiSupport?.Check(brokerId, request);

        public void OnProduceRequest() => owner.OnProduceRequest();

        public void OnCoordinatorKey(int keyType, string key) => owner.OnCoordinatorKey(keyType, key);

        public void OnTopicsListed(List<MetadataTopic> topics) => owner.OnTopicsListed(topics);

        public void OnTopicsMayHaveChanged() => owner.OnTopicsMayHaveChanged();
    }
}
