using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>Network faults of one broker: answers dropped, a produce made visible late.</summary>
internal sealed partial class BrokerForwarder
{
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
            // The record is visible now: held fetches for its partitions may take it.
            _arrivals.Written(ProduceRequest.TryRead(frame.AsSpan(4), out _, out var partitions) ? partitions : null);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            LogRelayFailed(_logger, ex, BrokerId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId}: produce request held for {DelayMs} ms, its answer dropped (delay-visibility fault)")]
    private static partial void LogHeldProduce(ILogger logger, int brokerId, long delayMs);
}
