using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Fetch long polling the way a Kafka broker does it. The librdkafka mock answers a Fetch that
/// finds no records only when the request's MaxWaitMs has run out, even if records arrive
/// meanwhile. So the forwarder sends the mock each Fetch with MaxWaitMs 0 and, when the answer
/// carries fewer than MinBytes of records and no error, keeps it and asks again as soon as a
/// Produce to one of the fetched partitions is answered anywhere in the cluster, or hands the
/// client the empty answer when its own MaxWaitMs ends.
/// <para>
/// Like a broker, which reads the next request of a connection only once it has answered the
/// current one, the forwarder relays nothing more from the client while its Fetch is held: the
/// answers on a connection keep the order of its requests.
/// </para>
/// </summary>
internal sealed partial class BrokerForwarder
{
    private async Task RelayProduceAsync(Connection connection, ReadOnlyMemory<byte> frame, Socket to, CancellationToken ct)
    {
        var request = frame.Span[4..];
        IReadOnlyList<(string, int)>? written = ProduceRequest.TryRead(request, out var acks, out var partitions) ? partitions : null;
        if (acks == 0)
        {
            // No answer will come: the records are in the log soon after the request reaches the mock.
            await SendAllAsync(to, frame, ct).ConfigureAwait(false);
            _arrivals.Written(written);
            return;
        }
        connection.Produces[BinaryPrimitives.ReadInt32BigEndian(request[4..])] = written;
        await SendAllAsync(to, frame, ct).ConfigureAwait(false);
    }

    private async Task RelayFetchAsync(Connection connection, FetchRequest fetch, ReadOnlyMemory<byte> frame, Socket to, CancellationToken ct)
    {
        var held = new HeldFetch(fetch, frame.Span, _arrivals);
        connection.HeldFetch = held;
        try
        {
            await SendAllAsync(to, held.Frame, ct).ConfigureAwait(false);
            await held.Done.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            held.Close();
        }
    }

    /// <summary>
    /// True when <paramref name="response"/> (the mock's answer to the held Fetch, without its
    /// size) goes to the client now. False when the forwarder waited for a write and asked the mock
    /// again: the mock's next frame answers the same Fetch.
    /// </summary>
    private async Task<bool> AnswerOrHoldFetchAsync(HeldFetch fetch, ReadOnlyMemory<byte> response, Socket upstream, CancellationToken ct)
    {
        if (!FetchResponse.TryRead(response.Span, fetch.Request.Version, out var hasError, out var recordBytes)
            || hasError || recordBytes >= fetch.Request.MinBytes)
        {
            return true;
        }
        var remaining = fetch.Remaining;
        if (remaining <= TimeSpan.Zero)
        {
            return true;
        }
        var woken = fetch.Woken;
        if (!woken.IsCompleted)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var first = await Task.WhenAny(woken, Task.Delay(remaining, wait.Token)).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            if (first != woken)
            {
                return true; // the client's wait is over: it gets the empty answer
            }
        }
        // Listen again before asking, so a write that lands while the mock answers is not missed.
        LogFetchWoken(_logger, BrokerId, fetch.CorrelationId);
        fetch.Rearm();
        await SendAllAsync(upstream, fetch.Frame, ct).ConfigureAwait(false);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Broker {BrokerId}: records written for held fetch {CorrelationId}, asking the mock again")]
    private static partial void LogFetchWoken(ILogger logger, int brokerId, int correlationId);

    /// <summary>A client's Fetch on its way through the forwarder: the frame sent to the mock (MaxWaitMs 0) and the client's own deadline.</summary>
    internal sealed class HeldFetch
    {
        private readonly RecordArrivals _arrivals;
        private readonly long _deadline;
        private readonly Lock _gate = new();
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private RecordArrivals.Waiter? _waiter;

        public HeldFetch(FetchRequest request, ReadOnlySpan<byte> frame, RecordArrivals arrivals)
        {
            Request = request;
            _arrivals = arrivals;
            var copy = frame.ToArray();
            request.WriteMaxWait(copy.AsSpan(4), 0);
            Frame = copy;
            CorrelationId = BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(8));
            _deadline = Stopwatch.GetTimestamp() + (long)(request.MaxWaitMs * (Stopwatch.Frequency / 1000.0));
            _waiter = arrivals.Register(request.Partitions);
        }

        public FetchRequest Request { get; }

        /// <summary>The request as the mock gets it: MaxWaitMs 0.</summary>
        public byte[] Frame { get; }

        public int CorrelationId { get; }

        public TimeSpan Remaining => Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);

        /// <summary>Completes when the client has its answer: the connection's next request may go.</summary>
        public Task Done => _done.Task;

        /// <summary>Completes when records arrive in a fetched partition.</summary>
        public Task Woken
        {
            get { lock (_gate) { return _waiter?.Woken ?? Task.CompletedTask; } }
        }

        public void Rearm()
        {
            lock (_gate)
            {
                if (_waiter is null)
                {
                    return; // closed
                }
                _waiter.Dispose();
                _waiter = _arrivals.Register(Request.Partitions);
            }
        }

        public void Answered()
        {
            Close();
            _done.TrySetResult();
        }

        /// <summary>Stops listening for writes (answered, or the connection ended).</summary>
        public void Close()
        {
            lock (_gate)
            {
                _waiter?.Dispose();
                _waiter = null;
            }
        }
    }
}
