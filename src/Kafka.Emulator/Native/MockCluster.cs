using System.Runtime.InteropServices;

namespace KafkaPractice.Kafka.Emulator.Native;

/// <summary>
/// One librdkafka mock cluster and the librdkafka handle that owns it. Every call goes through
/// the mock's own operation queue, so the methods are safe to call from any thread.
/// </summary>
internal sealed unsafe class MockCluster : IDisposable
{
    private readonly Lock _gate = new();
    private nint _rk;
    private nint _mc;

    private MockCluster(nint rk, nint mc, string bootstraps)
    {
        _rk = rk;
        _mc = mc;
        InternalBootstraps = bootstraps;
        InternalPorts = ParsePorts(bootstraps);
    }

    /// <summary>The mock's own listeners (random ports on 127.0.0.1), one per broker, in broker id order.</summary>
    public string InternalBootstraps { get; }

    public bool IsRunning
    {
        get { lock (_gate) { return _mc != 0; } }
    }

    public static MockCluster Create(int brokers)
    {
        MockApi.EnsureLoaded();
        const int errSize = 512;
        var err = stackalloc byte[errSize];
        var conf = MockApi.rd_kafka_conf_new();
        Set(conf, "client.id", "kafka-emulator-mock-owner", err, errSize);
        Set(conf, "log_level", "4", err, errSize);
        var rk = MockApi.rd_kafka_new(MockApi.ProducerType, conf, err, errSize);
        if (rk == 0)
        {
            MockApi.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("rd_kafka_new failed: " + Marshal.PtrToStringUTF8((nint)err));
        }
        var mc = MockApi.rd_kafka_mock_cluster_new(rk, brokers);
        if (mc == 0)
        {
            MockApi.rd_kafka_destroy(rk);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }
        var bootstraps = Marshal.PtrToStringUTF8(MockApi.rd_kafka_mock_cluster_bootstraps(mc)) ?? "";
        return new MockCluster(rk, mc, bootstraps);
    }

    private static void Set(nint conf, string name, string value, byte* err, int errSize)
    {
        if (MockApi.rd_kafka_conf_set(conf, name, value, err, (nuint)errSize) != 0)
        {
            throw new InvalidOperationException($"rd_kafka_conf_set {name}: " + Marshal.PtrToStringUTF8((nint)err));
        }
    }

    /// <summary>The mock's listening port of each broker, by broker id (1-based).</summary>
    public IReadOnlyDictionary<int, int> InternalPorts { get; }

    private static Dictionary<int, int> ParsePorts(string bootstraps)
    {
        var result = new Dictionary<int, int>();
        var parts = bootstraps.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var colon = parts[i].LastIndexOf(':');
            result[i + 1] = int.Parse(parts[i].AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture);
        }
        return result;
    }

    private nint Handle
    {
        get
        {
            lock (_gate)
            {
                return _mc != 0 ? _mc : throw new ObjectDisposedException(nameof(MockCluster));
            }
        }
    }

    public void CreateTopic(string name, int partitions, int replicationFactor) =>
        Check(Call(mc => MockApi.rd_kafka_mock_topic_create(mc, name, partitions, replicationFactor)), $"create topic {name}");

    public void SetLeader(string topic, int partition, int brokerId) =>
        Check(Call(mc => MockApi.rd_kafka_mock_partition_set_leader(mc, topic, partition, brokerId)), $"set leader {topic}[{partition}]");

    public void SetBrokerDown(int brokerId) => Check(Call(mc => MockApi.rd_kafka_mock_broker_set_down(mc, brokerId)), $"broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(Call(mc => MockApi.rd_kafka_mock_broker_set_up(mc, brokerId)), $"broker {brokerId} up");

    public void SetAdvertised(int brokerId, string host, int port) => MockApi.rd_kafka_mock_broker_set_host_port(Handle, brokerId, host, port);

    public void SetGroupCoordinator(string keyType, string key, int brokerId) =>
        Check(Call(mc => MockApi.rd_kafka_mock_coordinator_set(mc, keyType, key, brokerId)), $"coordinator {keyType} {key}");

    public void SetController(int brokerId) => Call(mc => { MockApi.rd_kafka_mock_set_controller_id(mc, brokerId); return 0; });

    public void SetGroupInitialRebalanceDelay(int ms) => MockApi.rd_kafka_mock_group_initial_rebalance_delay_ms(Handle, ms);

    /// <summary>Appends <paramref name="count"/> copies of <paramref name="error"/> to the cluster-wide stack of <paramref name="apiKey"/>.</summary>
    public void PushRequestErrors(short apiKey, int error, int count)
    {
        var errors = new int[count];
        Array.Fill(errors, error);
        fixed (int* p = errors)
        {
            MockApi.rd_kafka_mock_push_request_errors_array(Handle, apiKey, (nuint)count, p);
        }
    }

    public void ClearRequestErrors(short apiKey) => MockApi.rd_kafka_mock_clear_request_errors(Handle, apiKey);

    /// <summary>
    /// Runs a call that the mock serves on its own thread. The mock thread can miss the wakeup
    /// for a queued operation and then sleeps up to a second in poll(); while the call is
    /// pending, a TCP connect to one of its listeners wakes it.
    /// </summary>
    private int Call(Func<nint, int> call)
    {
        var mc = Handle;
        var task = Task.Factory.StartNew(() => call(mc), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);
        while (!task.Wait(10))
        {
            Poke();
        }
        return task.Result;
    }

    private void Poke()
    {
        foreach (var port in InternalPorts.Values)
        {
            try
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Connect(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // That broker is down; try the next.
            }
        }
    }

    private static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new InvalidOperationException($"Mock cluster call failed ({what}): error {err}.");
        }
    }

    public void Dispose()
    {
        nint mc, rk;
        lock (_gate)
        {
            mc = _mc;
            rk = _rk;
            _mc = 0;
            _rk = 0;
        }
        if (mc != 0)
        {
            var task = Task.Factory.StartNew(() => MockApi.rd_kafka_mock_cluster_destroy(mc), CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default);
            while (!task.Wait(10))
            {
                Poke();
            }
        }
        if (rk != 0)
        {
            MockApi.rd_kafka_destroy(rk);
        }
    }
}
