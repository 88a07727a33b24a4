using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// The relay of one client connection: request frames one at a time to the mock broker (each seen
/// by the observer first), answers back as a byte stream.
/// </summary>
internal sealed partial class BrokerForwarder
{
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
                if (BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(4)) == KafkaApiKeys.Produce && size >= 2)
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

    private void Inspect(ReadOnlySpan<byte> request)
    {
        if (request.Length < 8)
        {
            return;
        }
        _observer.OnRequest(BrokerId, request);
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(request);
        if (apiKey == KafkaApiKeys.Produce)
        {
            _observer.OnProduceRequest();
            return;
        }
        if (apiKey != KafkaApiKeys.FindCoordinator)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId}: relay failed")]
    private static partial void LogRelayFailed(ILogger logger, Exception ex, int brokerId);

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
