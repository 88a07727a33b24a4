using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Reads, as any Kafka client would, each partition's end offset (high watermark) and each
/// consumer group's committed offsets, for <c>GET /offsets</c> (the AppHost's dashboard view).
/// It talks to the mock's own listeners, not through the forwarders, so a fault injected there
/// (a stopped forwarder, lost answers) never leaves its requests hanging.
/// </summary>
internal sealed class OffsetsReader : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private readonly IAdminClient _admin;
    private readonly ConcurrentDictionary<int, BrokerConnection> _connections = new();

    public OffsetsReader(string bootstrap)
    {
        // Connection refusals while a broker is stopped on purpose are expected: keep them out of the log.
        // Leaders move when a broker stops and starts: with librdkafka's default 5 min metadata refresh a
        // long-lived client keeps asking the old leader, whose answer can be a stale end offset.
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 5000, TopicMetadataRefreshIntervalMs = 1000 })
            .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
    }

    /// <summary>The high watermark of each partition; partitions that did not answer in time are left out.</summary>
    /// <remarks>
    /// Asked with ListOffsets through the admin client, which looks leaders up afresh: a consumer's
    /// QueryWatermarkOffsets keeps asking a stopped leader for the partitions it led.
    /// </remarks>
    public async Task<Dictionary<TopicPartition, long>> EndOffsetsAsync(IEnumerable<TopicPartition> partitions)
    {
        var result = new Dictionary<TopicPartition, long>();
        try
        {
            var answer = await _admin.ListOffsetsAsync(
                partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Latest() }),
                new ListOffsetsOptions { RequestTimeout = Timeout });
            foreach (var info in answer.ResultInfos.Where(i => i.TopicPartitionOffsetError.Error.Code == ErrorCode.NoError && i.TopicPartitionOffsetError.Offset.Value >= 0))
            {
                result[info.TopicPartitionOffsetError.TopicPartition] = info.TopicPartitionOffsetError.Offset.Value;
            }
        }
        catch (ListOffsetsException ex)
        {
            foreach (var info in ex.Result.ResultInfos.Where(i => i.TopicPartitionOffsetError.Error.Code == ErrorCode.NoError && i.TopicPartitionOffsetError.Offset.Value >= 0))
            {
                result[info.TopicPartitionOffsetError.TopicPartition] = info.TopicPartitionOffsetError.Offset.Value;
            }
        }
        catch (KafkaException)
        {
            // Leaders moving or unreachable: shown as last seen until the next round.
        }
        return result;
    }

    /// <summary>
    /// The offsets <paramref name="group"/> committed on <paramref name="partitions"/> (only those it
    /// committed), asked with OffsetFetch of the group's coordinator, the mock broker listening on
    /// <paramref name="coordinatorPort"/>; null when it did not answer in time.
    /// </summary>
    /// <remarks>
    /// Not through the admin client's ListConsumerGroupOffsets: in librdkafka 2.16 a coordinator-bound
    /// admin request that fails to send or times out can free its completion twice and abort the whole
    /// process (<c>rd_kafka_enq_once_del_source_return: Assertion `eonce-&gt;refcnt &gt; 0' failed</c>,
    /// confluentinc/librdkafka#4605). The emulator places every group's coordinator itself, so it
    /// asks that broker directly, one request on a connection kept per broker.
    /// </remarks>
    public async Task<Dictionary<TopicPartition, long>?> CommittedOffsetsAsync(string group, int coordinatorPort, IReadOnlyList<TopicPartition> partitions, TimeSpan? timeout = null)
    {
        var result = new Dictionary<TopicPartition, long>();
        if (partitions.Count == 0)
        {
            return result;
        }
        var connection = _connections.GetOrAdd(coordinatorPort, port => new BrokerConnection(port));
        var request = partitions.GroupBy(p => p.Topic, p => p.Partition.Value, StringComparer.Ordinal);
        IReadOnlyList<OffsetFetch.Answer> answers;
        try
        {
            answers = await connection.OffsetFetchAsync(group, request, timeout ?? Timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or FormatException or OperationCanceledException)
        {
            return null; // Coordinator moving or unreachable: shown as last seen until the next round.
        }
        foreach (var answer in answers.Where(a => a.ErrorCode == 0 && a.Offset >= 0))
        {
            result[new TopicPartition(answer.Topic, answer.Partition)] = answer.Offset;
        }
        return result;
    }

    public void Dispose()
    {
        _admin.Dispose();
        foreach (var connection in _connections.Values)
        {
            connection.Dispose();
        }
    }

    /// <summary>One connection to a mock broker's own listener, used by one request at a time; dropped after any failure.</summary>
    private sealed class BrokerConnection(int port) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private TcpClient? _client;
        private int _correlationId;

        public async Task<IReadOnlyList<OffsetFetch.Answer>> OffsetFetchAsync(string group, IEnumerable<IGrouping<string, int>> topics, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            await _gate.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                if (_client is not { Connected: true })
                {
                    _client?.Dispose();
                    _client = new TcpClient { NoDelay = true };
                    await _client.ConnectAsync(IPAddress.Loopback, port, deadline.Token).ConfigureAwait(false);
                }
                var stream = _client.GetStream();
                var id = ++_correlationId;
                await stream.WriteAsync(OffsetFetch.Request(id, group, topics), deadline.Token).ConfigureAwait(false);
                var size = new byte[4];
                await stream.ReadExactlyAsync(size, deadline.Token).ConfigureAwait(false);
                var length = BinaryPrimitives.ReadInt32BigEndian(size);
                if (length is < 4 or > 16 * 1024 * 1024)
                {
                    throw new FormatException($"OffsetFetch response of {length} bytes.");
                }
                var frame = new byte[length];
                await stream.ReadExactlyAsync(frame, deadline.Token).ConfigureAwait(false);
                var answers = OffsetFetch.ReadResponse(frame, out var answeredId);
                return answeredId == id ? answers : throw new FormatException($"Answer to request {answeredId}, expected {id}.");
            }
            catch
            {
                // A late or partial answer must not be read as the next request's.
                _client?.Dispose();
                _client = null;
                throw;
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose()
        {
            _client?.Dispose();
            _gate.Dispose();
        }
    }
}
