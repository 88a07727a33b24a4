using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Listens on a broker's fixed, advertised port and relays every connection to the mock
/// broker's random port. While the broker is stopped the listener is closed (connections are
/// refused) and open connections are cut, so clients see the broker as down.
/// <para>
/// Client-to-broker traffic is relayed one Kafka request frame at a time so the emulator can see
/// FindCoordinator requests (to place group coordinators on live brokers) and count Produce
/// requests (to keep the NOT_ENOUGH_REPLICAS error stack from running out).
/// </para>
/// </summary>
internal sealed partial class BrokerForwarder : IAsyncDisposable
{
    private const short FindCoordinatorApiKey = 10;
    private const int MaxFrame = 256 * 1024 * 1024;

    private readonly IPAddress _listenAddress;
    private readonly int _targetPort;
    private readonly IRequestObserver _observer;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _acceptCts;
    private long _nextConnectionId;

    public BrokerForwarder(int brokerId, IPAddress listenAddress, int port, int targetPort, IRequestObserver observer, ILogger logger)
    {
        BrokerId = brokerId;
        _listenAddress = listenAddress;
        Port = port;
        _targetPort = targetPort;
        _observer = observer;
        _logger = logger;
    }

    public int BrokerId { get; }
    public int Port { get; }

    public bool IsOpen
    {
        get { lock (_gate) { return _listener is not null; } }
    }

    /// <summary>
    /// While true, requests still reach the broker (a produce is written) but its answers are
    /// thrown away: a one-way network fault, the way a client ends up not knowing whether its
    /// write landed (PossiblyPersisted).
    /// </summary>
    public bool DroppingResponses { get; private set; }

    public void DropResponses() => DroppingResponses = true;

    /// <summary>Answers flow again; the connections that lost some are cut, so clients reconnect on a clean stream.</summary>
    public void DeliverResponses()
    {
        if (!DroppingResponses)
        {
            return;
        }
        DroppingResponses = false;
        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }
    }

    private TimeSpan? _visibilityDelay;
    private Task _heldProduce = Task.CompletedTask;

    /// <summary>
    /// Arms a one-shot fault: the next produce request to this broker is held for
    /// <paramref name="delay"/> before the mock broker sees it, and its answer never comes back.
    /// So the producer times out (PossiblyPersisted) while its record stays invisible to consumers,
    /// then appears: the way a real leader appends a record at once but makes it visible only once
    /// the followers have it (or the ISR shrinks), up to replica.lag.time.max.ms later. Every
    /// produce request that reaches this broker meanwhile waits behind it, as it would sit behind it
    /// in the leader's log.
    /// </summary>
    public void DelayVisibility(TimeSpan delay)
    {
        lock (_gate)
        {
            _visibilityDelay = delay;
        }
    }

    /// <summary>Disarms the fault if no produce request was caught yet; one already held still comes out on time.</summary>
    public void CancelDelayVisibility()
    {
        lock (_gate)
        {
            _visibilityDelay = null;
        }
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

    private async Task RelayAsync(long id, Connection connection)
    {
        var client = connection.Client;
        client.NoDelay = true;
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        connection.Upstream = upstream;
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, connection.Token).ConfigureAwait(false);
            var toBroker = PumpRequestsAsync(client, upstream, connection.Token);
            var toClient = PumpResponsesAsync(upstream, client, connection.Token);
            await Task.WhenAny(toBroker, toClient).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client, the mock broker or a broker stop ended the connection.
        }
        catch (Exception ex)
        {
            LogRelayFailed(_logger, ex, BrokerId);
        }
        finally
        {
            _connections.TryRemove(id, out _);
            connection.Dispose();
        }
    }

    private async Task PumpResponsesAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }
                if (!DroppingResponses)
                {
                    await SendAllAsync(to, buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PumpRequestsAsync(Socket from, Socket to, CancellationToken ct)
    {
        var header = new byte[4];
        while (true)
        {
            if (!await ReceiveExactAsync(from, header, ct).ConfigureAwait(false))
            {
                return;
            }
            var size = BinaryPrimitives.ReadInt32BigEndian(header);
            if (size < 0 || size > MaxFrame)
            {
                return;
            }
            var frame = ArrayPool<byte>.Shared.Rent(size + 4);
            try
            {
                header.CopyTo(frame, 0);
                if (!await ReceiveExactAsync(from, frame.AsMemory(4, size), ct).ConfigureAwait(false))
                {
                    return;
                }
                Inspect(frame.AsSpan(4, size));
                if (BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(4)) == MockApiKeys.Produce && size >= 2)
                {
                    if (TryHoldProduce(frame.AsSpan(0, size + 4)))
                    {
                        continue;
                    }
                    await _heldProduce.WaitAsync(ct).ConfigureAwait(false);
                }
                await SendAllAsync(to, frame.AsMemory(0, size + 4), ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
    }

    /// <summary>Takes the produce request if the visibility fault is armed: it reaches the mock later, on a connection of its own whose answer is thrown away.</summary>
    private bool TryHoldProduce(ReadOnlySpan<byte> frame)
    {
        TimeSpan delay;
        lock (_gate)
        {
            if (_visibilityDelay is not { } armed)
            {
                return false;
            }
            delay = armed;
            _visibilityDelay = null;
            var copy = frame.ToArray();
            _heldProduce = DeliverLateAsync(copy, delay);
        }
        LogHeldProduce(_logger, BrokerId, (long)delay.TotalMilliseconds);
        return true;
    }

    private async Task DeliverLateAsync(byte[] frame, TimeSpan delay)
    {
        await Task.Delay(delay).ConfigureAwait(false);
        try
        {
            using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, timeout.Token).ConfigureAwait(false);
            await SendAllAsync(upstream, frame, timeout.Token).ConfigureAwait(false);
            // Wait for the answer (the record is in the log then), and drop it.
            var header = new byte[4];
            if (await ReceiveExactAsync(upstream, header, timeout.Token).ConfigureAwait(false))
            {
                await ReceiveExactAsync(upstream, new byte[BinaryPrimitives.ReadInt32BigEndian(header)], timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            LogRelayFailed(_logger, ex, BrokerId);
        }
    }

    private void Inspect(ReadOnlySpan<byte> request)
    {
        if (request.Length < 8)
        {
            return;
        }
        _observer.OnRequest(BrokerId, request);
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(request);
        if (apiKey == MockApiKeys.Produce)
        {
            _observer.OnProduceRequest();
            return;
        }
        if (apiKey != FindCoordinatorApiKey)
        {
            return;
        }
        try
        {
            if (FindCoordinatorParser.TryParse(request, out var keyType, out var key))
            {
                _observer.OnCoordinatorKey(keyType, key);
            }
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException)
        {
            LogUnreadable(_logger, ex, BrokerId);
        }
    }

    private static async Task<bool> ReceiveExactAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var n = await socket.SendAsync(data, SocketFlags.None, ct).ConfigureAwait(false);
            data = data[n..];
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Broker {BrokerId}: accept failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception ex, int brokerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId}: relay failed")]
    private static partial void LogRelayFailed(ILogger logger, Exception ex, int brokerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId}: produce request held for {DelayMs} ms, its answer dropped (delay-visibility fault)")]
    private static partial void LogHeldProduce(ILogger logger, int brokerId, long delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Broker {BrokerId}: unreadable FindCoordinator request")]
    private static partial void LogUnreadable(ILogger logger, Exception ex, int brokerId);

    private sealed class Connection(Socket client) : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private int _aborted;

        public Socket Client { get; } = client;
        public Socket? Upstream { get; set; }
        public CancellationToken Token => _cts.Token;

        public void Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) != 0)
            {
                return;
            }
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            Close(Client);
            if (Upstream is { } upstream)
            {
                Close(upstream);
            }
        }

        public void Dispose()
        {
            Abort();
            _cts.Dispose();
        }

        private static void Close(Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
            socket.Dispose();
        }
    }
}

internal static class MockApiKeys
{
    public const short Produce = 0;
}

/// <summary>Sees what passes through the forwarders.</summary>
internal interface IRequestObserver
{
    /// <summary>Every request frame (without its size), before the broker sees it.</summary>
    void OnRequest(int brokerId, ReadOnlySpan<byte> request);

    void OnProduceRequest();

    /// <summary>A FindCoordinator request for a group (keyType 0) or transactional id (1), before the broker answers it.</summary>
    void OnCoordinatorKey(int keyType, string key);
}

/// <summary>Reads the coordinator key out of a FindCoordinator request (versions 0-4).</summary>
internal static class FindCoordinatorParser
{
    public static bool TryParse(ReadOnlySpan<byte> request, out int keyType, out string key)
    {
        keyType = 0;
        key = "";
        var version = BinaryPrimitives.ReadInt16BigEndian(request[2..]);
        var pos = 8; // api key, api version, correlation id
        var clientIdLength = BinaryPrimitives.ReadInt16BigEndian(request[pos..]);
        pos += 2 + Math.Max((short)0, clientIdLength);
        var flexible = version >= 3;
        if (flexible)
        {
            SkipTaggedFields(request, ref pos);
        }
        switch (version)
        {
            case 0:
                key = ReadString(request, ref pos);
                return key.Length > 0;
            case 1 or 2:
                key = ReadString(request, ref pos);
                keyType = request[pos];
                return key.Length > 0;
            case 3:
                key = ReadCompactString(request, ref pos);
                keyType = request[pos];
                return key.Length > 0;
            default:
                // v4+: key type, then a compact array of keys; the first one is enough here.
                keyType = request[pos++];
                var count = (int)ReadUnsignedVarint(request, ref pos) - 1;
                if (count < 1)
                {
                    return false;
                }
                key = ReadCompactString(request, ref pos);
                return key.Length > 0;
        }
    }

    private static string ReadString(ReadOnlySpan<byte> s, ref int pos)
    {
        var length = BinaryPrimitives.ReadInt16BigEndian(s[pos..]);
        pos += 2;
        if (length <= 0)
        {
            return "";
        }
        var value = Encoding.UTF8.GetString(s.Slice(pos, length));
        pos += length;
        return value;
    }

    private static string ReadCompactString(ReadOnlySpan<byte> s, ref int pos)
    {
        var length = (int)ReadUnsignedVarint(s, ref pos) - 1;
        if (length <= 0)
        {
            return "";
        }
        var value = Encoding.UTF8.GetString(s.Slice(pos, length));
        pos += length;
        return value;
    }

    private static void SkipTaggedFields(ReadOnlySpan<byte> s, ref int pos)
    {
        var count = ReadUnsignedVarint(s, ref pos);
        for (uint i = 0; i < count; i++)
        {
            _ = ReadUnsignedVarint(s, ref pos);
            var size = (int)ReadUnsignedVarint(s, ref pos);
            pos += size;
        }
    }

    private static uint ReadUnsignedVarint(ReadOnlySpan<byte> s, ref int pos)
    {
        uint value = 0;
        var shift = 0;
        while (true)
        {
            var b = s[pos++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
            shift += 7;
            if (shift > 28)
            {
                throw new FormatException("Varint too long.");
            }
        }
    }
}
