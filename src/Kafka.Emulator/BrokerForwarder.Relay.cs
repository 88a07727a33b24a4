using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// The relay of one client connection: request frames one at a time to the mock broker (each seen
/// by the observer first), answer frames back in the order the mock sent them.
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
            var toBroker = PumpRequestsAsync(connection, client, upstream, connection.Token);
            var toClient = PumpResponsesAsync(connection, upstream, client, connection.Token);
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

    /// <summary>
    /// Relays the mock's answers one frame at a time: a Fetch answer may be held (see
    /// <see cref="AnswerOrHoldFetchAsync"/>), and a Produce answer tells every held Fetch of the
    /// cluster that records were written.
    /// </summary>
    private async Task PumpResponsesAsync(Connection connection, Socket from, Socket to, CancellationToken ct)
    {
        var header = new byte[4];
        while (await ReceiveFrameAsync(from, header, minSize: 4, ct).ConfigureAwait(false) is { } received)
        {
            var (frame, size) = received;
            try
            {
                var correlationId = BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4));
                if (connection.HeldFetch is { } fetch && fetch.CorrelationId == correlationId)
                {
                    if (!await AnswerOrHoldFetchAsync(fetch, frame.AsMemory(4, size), from, ct).ConfigureAwait(false))
                    {
                        continue; // asked the mock again; its new answer comes next
                    }
                    connection.HeldFetch = null;
                    await ForwardAsync(to, frame.AsMemory(0, size + 4), ct).ConfigureAwait(false);
                    fetch.Answered();
                    continue;
                }
                if (connection.Answers.TryRemove(correlationId, out var answer))
                {
                    // The mock's answer to a placeholder: the client gets the emulator's own instead.
                    await ForwardAsync(to, answer, ct).ConfigureAwait(false);
                    continue;
                }
                if (connection.Produces.TryRemove(correlationId, out var written))
                {
                    // The mock answers a Produce once the records are in its log.
                    _arrivals.Written(written);
                }
                else if (connection.MetadataRequests.TryRemove(correlationId, out var metadataVersion))
                {
                    // Before the client reads it: a topic it learns of here is one the controller knows of too.
                    if (MetadataResponse.TryReadTopics(frame.AsSpan(4, size), metadataVersion, out var topics))
                    {
                        _arrivals.Learn(topics);
                        _observer.OnTopicsListed(topics);
                    }
                    else
                    {
                        _observer.OnTopicsMayHaveChanged();
                    }
                }
                await ForwardAsync(to, frame.AsMemory(0, size + 4), ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
    }

    private Task ForwardAsync(Socket to, ReadOnlyMemory<byte> frame, CancellationToken ct) =>
        DroppingResponses ? Task.CompletedTask : SendAllAsync(to, frame, ct);

    private async Task PumpRequestsAsync(Connection connection, Socket from, Socket to, CancellationToken ct)
    {
        var header = new byte[4];
        while (await ReceiveFrameAsync(from, header, minSize: 0, ct).ConfigureAwait(false) is { } received)
        {
            var (frame, size) = received;
            try
            {
                var request = frame.AsMemory(4, size);
                Inspect(request.Span);
                var apiKey = size >= 8 ? BinaryPrimitives.ReadInt16BigEndian(request.Span) : (short)-1;
                if (apiKey == KafkaApiKeys.Produce)
                {
                    if (TryHoldProduce(frame.AsSpan(0, size + 4)))
                    {
                        continue;
                    }
                    await _heldProduce.WaitAsync(ct).ConfigureAwait(false);
                    await RelayProduceAsync(connection, frame.AsMemory(0, size + 4), to, ct).ConfigureAwait(false);
                    continue;
                }
                if (apiKey == KafkaApiKeys.Metadata && size >= 8)
                {
                    // Every version: one the emulator cannot read still tells the controller to look.
                    connection.MetadataRequests[BinaryPrimitives.ReadInt32BigEndian(request.Span[4..])] = BinaryPrimitives.ReadInt16BigEndian(request.Span[2..]);
                }
                if (apiKey == KafkaApiKeys.JoinGroup && NeedsMemberId(request.Span, out var correlationId, out var clientId))
                {
                    connection.Answers[correlationId] = JoinGroup.MemberIdRequiredAnswer(correlationId, JoinGroup.NewMemberId(clientId));
                    await SendAllAsync(to, JoinGroup.Placeholder(correlationId, clientId), ct).ConfigureAwait(false);
                    continue;
                }
                if (apiKey == KafkaApiKeys.Fetch && FetchRequest.TryRead(request.Span, out var fetch) && fetch!.MaxWaitMs > 0)
                {
                    await RelayFetchAsync(connection, fetch, frame.AsMemory(0, size + 4), to, ct).ConfigureAwait(false);
                    continue;
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
        if (apiKey is KafkaApiKeys.CreateTopics or KafkaApiKeys.CreatePartitions)
        {
            _observer.OnTopicsMayHaveChanged();
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
            LogUnreadable(_logger, ex, BrokerId, "FindCoordinator");
        }
    }

    private bool NeedsMemberId(ReadOnlySpan<byte> request, out int correlationId, out string clientId)
    {
        try
        {
            return JoinGroup.NeedsMemberId(request, out correlationId, out clientId);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException)
        {
            // Unreadable: the mock gets it as it is and answers (or refuses) it itself.
            LogUnreadable(_logger, ex, BrokerId, "JoinGroup");
            (correlationId, clientId) = (0, "");
            return false;
        }
    }

    /// <summary>One Kafka frame in a pooled buffer: its size prefix, then <paramref name="Size"/> bytes.</summary>
    private readonly record struct PooledFrame(byte[] Buffer, int Size);

    /// <summary>Reads one size-prefixed frame into a pooled buffer; null at the end of the stream or for a size out of range.</summary>
    private static async Task<PooledFrame?> ReceiveFrameAsync(Socket from, byte[] header, int minSize, CancellationToken ct)
    {
        if (!await ReceiveExactAsync(from, header, ct).ConfigureAwait(false))
        {
            return null;
        }
        var size = BinaryPrimitives.ReadInt32BigEndian(header);
        if (size < minSize || size > MaxFrame)
        {
            return null;
        }
        var frame = ArrayPool<byte>.Shared.Rent(size + 4);
        header.CopyTo(frame, 0);
        if (!await ReceiveExactAsync(from, frame.AsMemory(4, size), ct).ConfigureAwait(false))
        {
            ArrayPool<byte>.Shared.Return(frame);
            return null;
        }
        return new PooledFrame(frame, size);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Broker {BrokerId}: unreadable {Api} request, relayed as it is")]
    private static partial void LogUnreadable(ILogger logger, Exception ex, int brokerId, string api);

    private sealed class Connection(Socket client) : IDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private int _aborted;

        private HeldFetch? _heldFetch;

        public Socket Client { get; } = client;
        public Socket? Upstream { get; set; }
        public CancellationToken Token => _cts.Token;

        /// <summary>The Fetch whose answer the client is waiting for (nothing else is relayed meanwhile).</summary>
        public HeldFetch? HeldFetch
        {
            get => Volatile.Read(ref _heldFetch);
            set => Volatile.Write(ref _heldFetch, value);
        }

        /// <summary>
        /// Answers the emulator writes itself, by correlation id, each sent in place of the mock's answer
        /// to the placeholder request relayed under that id (see <see cref="JoinGroup"/>).
        /// </summary>
        public ConcurrentDictionary<int, byte[]> Answers { get; } = new();

        /// <summary>The written partitions of each Produce sent to the mock, by correlation id, until its answer comes.</summary>
        public ConcurrentDictionary<int, IReadOnlyList<(string, int)>?> Produces { get; } = new();

        /// <summary>The version of each Metadata request that names topic ids, by correlation id, until its answer comes.</summary>
        public ConcurrentDictionary<int, short> MetadataRequests { get; } = new();

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
            HeldFetch?.Close();
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
