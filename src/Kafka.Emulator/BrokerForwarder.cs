using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Listens on a broker's fixed, advertised port and relays every connection to the mock
/// broker's random port. While the broker is stopped the listener is closed (connections are
/// refused) and open connections are cut, so clients see the broker as down.
/// <para>
/// Client-to-broker traffic is relayed one Kafka request frame at a time so the emulator can see
/// FindCoordinator requests (to place group coordinators on live brokers), count Produce
/// requests (to keep the NOT_ENOUGH_REPLICAS error stack from running out) and hold Fetch
/// requests until records arrive, as a broker does (<c>BrokerForwarder.Fetch.cs</c>).
/// </para>
/// </summary>
internal sealed partial class BrokerForwarder : IAsyncDisposable
{
    private const int MaxFrame = 256 * 1024 * 1024;

    private readonly IPAddress _listenAddress;
    private readonly int _targetPort;
    private readonly IRequestObserver _observer;
    private readonly RecordArrivals _arrivals;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _acceptCts;
    private long _nextConnectionId;

    public BrokerForwarder(int brokerId, IPAddress listenAddress, int port, int targetPort, IRequestObserver observer, RecordArrivals arrivals, ILogger logger)
    {
        BrokerId = brokerId;
        _listenAddress = listenAddress;
        Port = port;
        _targetPort = targetPort;
        _observer = observer;
        _arrivals = arrivals;
        _logger = logger;
    }

    public int BrokerId { get; }
    public int Port { get; }

    public bool IsOpen
    {
        get { lock (_gate) { return _listener is not null; } }
    }

    public void Open()
    {
        lock (_gate)
        {
            if (_listener is not null)
            {
                return;
            }
            var listener = new TcpListener(_listenAddress, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start(512);
            _listener = listener;
            _acceptCts = new CancellationTokenSource();
            _ = AcceptLoopAsync(listener, _acceptCts.Token);
        }
    }

    /// <summary>Stops listening and cuts every open connection.</summary>
    public void Close()
    {
        TcpListener? listener;
        CancellationTokenSource? cts;
        lock (_gate)
        {
            listener = _listener;
            cts = _acceptCts;
            _listener = null;
            _acceptCts = null;
        }
        cts?.Cancel();
        listener?.Stop();
        cts?.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(ct).ConfigureAwait(false);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, ex, BrokerId);
                continue;
            }
            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new Connection(client);
            _connections[id] = connection;
            _ = RelayAsync(id, connection);
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Broker {BrokerId}: accept failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception ex, int brokerId);
}
