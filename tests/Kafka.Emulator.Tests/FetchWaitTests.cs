using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Confluent.Kafka;
using static KafkaPractice.Kafka.Emulator.Tests.WireBytes;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>
/// Fetch long polling as on a real broker: a consumer that has read everything waits in a Fetch
/// for up to fetch.wait.max.ms, but gets a new record as soon as it is written, and the answers on
/// a connection keep the order of its requests while a Fetch waits.
/// </summary>
public sealed class FetchWaitTests : IAsyncLifetime
{
    private const string Topic = "create_member";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_caught_up_consumer_waiting_five_seconds_in_a_fetch_gets_a_new_record_before_half_its_wait()
    {
        const int fetchWaitMs = 5000;
        var partition = new TopicPartition(Topic, 0);
        var config = _cluster.ConsumerConfig("long-wait");
        config.FetchWaitMaxMs = fetchWaitMs;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        using var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig()).Build();

        for (var round = 0; round < 2; round++)
        {
            // Caught up: the consumer's next Fetch, sent as it read the end of the partition, now waits.
            WaitForEof(consumer, TimeSpan.FromSeconds(30));
            var sent = Stopwatch.StartNew();
            var value = "r" + round;
            var delivery = await producer.ProduceAsync(partition, new Message<string, string> { Key = "k", Value = value });
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);

            var record = ConsumeRecord(consumer, TimeSpan.FromSeconds(30));
            var elapsed = sent.Elapsed;
            Assert.Equal(value, record.Message.Value);
            // Behaviour bound, not a performance figure: a broker that held the Fetch for its full wait
            // would deliver the record only about 5 s after it was written.
            Assert.True(elapsed < TimeSpan.FromMilliseconds(fetchWaitMs / 2),
                $"round {round}: the record came {elapsed.TotalMilliseconds:F0} ms after it was written, with fetch.wait.max.ms={fetchWaitMs}");
        }
        consumer.Close();
    }

    [Fact]
    public async Task A_held_fetch_is_answered_before_the_request_sent_after_it_on_the_same_connection()
    {
        using var socket = await ConnectToLeaderAsync(partition: 0);

        // Pipelined: a Fetch at the end of the empty partition, waiting up to 10 s for one byte,
        // then an ApiVersions request, which the mock answers at once.
        var fetch = FetchV4(correlationId: 1, Topic, partition: 0, offset: 0, maxWaitMs: 10_000);
        var apiVersions = ApiVersionsV0(correlationId: 2);
        await socket.SendAsync(fetch.Concat(apiVersions).ToArray());

        var first = ReceiveFrameAsync(socket);
        await Task.Delay(300);
        Assert.False(first.IsCompleted, "the Fetch was answered (or the ApiVersions answer came first) before any record was written");

        using var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig()).Build();
        await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<string, string> { Key = "k", Value = "wakes the fetch" });

        var firstFrame = await first.WaitAsync(TimeSpan.FromSeconds(30));
        var secondFrame = await ReceiveFrameAsync(socket).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(firstFrame));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(secondFrame));
        var (error, recordBytes) = ReadFetchV4Partition(firstFrame);
        Assert.Equal(0, error);
        Assert.True(recordBytes > 0, "the Fetch answer carries the record written while it waited");
    }

    [Fact]
    public async Task A_held_fetch_with_nothing_written_gets_its_empty_answer_when_its_own_wait_ends_and_the_connection_goes_on()
    {
        using var socket = await ConnectToLeaderAsync(partition: 1);

        await socket.SendAsync(FetchV4(correlationId: 7, Topic, partition: 1, offset: 0, maxWaitMs: 1000).Concat(ApiVersionsV0(correlationId: 8)).ToArray());

        var firstFrame = await ReceiveFrameAsync(socket).WaitAsync(TimeSpan.FromSeconds(30));
        var secondFrame = await ReceiveFrameAsync(socket).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(7, BinaryPrimitives.ReadInt32BigEndian(firstFrame));
        Assert.Equal(8, BinaryPrimitives.ReadInt32BigEndian(secondFrame));
        var (error, recordBytes) = ReadFetchV4Partition(firstFrame);
        Assert.Equal(0, error);
        Assert.Equal(0, recordBytes);

        // The connection still serves requests after the empty answer.
        await socket.SendAsync(ApiVersionsV0(correlationId: 9));
        Assert.Equal(9, BinaryPrimitives.ReadInt32BigEndian(await ReceiveFrameAsync(socket).WaitAsync(TimeSpan.FromSeconds(30))));
    }

    [Fact]
    public async Task A_fetch_held_on_a_stopped_broker_ends_with_its_connection_and_the_consumer_reads_on_from_the_new_leader()
    {
        var partition = new TopicPartition(Topic, 0);
        var config = _cluster.ConsumerConfig("stop-while-held");
        config.FetchWaitMaxMs = 5000;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        WaitForEof(consumer, TimeSpan.FromSeconds(30));

        var cluster = await _cluster.DescribeAsync();
        var leader = cluster.Topics.Single(t => t.Name == Topic).Partitions.Single(p => p.Partition == 0).Leader;
        await _cluster.StopBrokerAsync(leader);

        using var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig()).Build();
        var delivery = await producer.ProduceAsync(partition, new Message<string, string> { Key = "k", Value = "after the stop" });
        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        Assert.Equal("after the stop", ConsumeRecord(consumer, TimeSpan.FromSeconds(60)).Message.Value);

        await _cluster.StartBrokerAsync(leader);
        consumer.Close();
    }

    /// <summary>A raw connection to the broker leading <paramref name="partition"/> of the topic.</summary>
    private async Task<Socket> ConnectToLeaderAsync(int partition)
    {
        var cluster = await _cluster.DescribeAsync();
        var leader = cluster.Topics.Single(t => t.Name == Topic).Partitions.Single(p => p.Partition == partition).Leader;
        var broker = cluster.Brokers.Single(b => b.Id == leader);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(broker.Host, broker.Port);
        return socket;
    }

    private static void WaitForEof(IConsumer<string, string> consumer, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: true })
            {
                return;
            }
        }
        throw new TimeoutException("The consumer did not reach the end of the partition.");
    }

    private static ConsumeResult<string, string> ConsumeRecord(IConsumer<string, string> consumer, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(50)) is { IsPartitionEOF: false } record)
            {
                return record;
            }
        }
        throw new TimeoutException("No record came.");
    }

    private static byte[] FetchV4(int correlationId, string topic, int partition, long offset, int maxWaitMs)
    {
        var body = new List<byte>();
        Header(body, apiKey: 1, version: 4, correlationId);
        Int32(body, -1); // ReplicaId
        Int32(body, maxWaitMs);
        Int32(body, 1); // MinBytes
        Int32(body, 1024 * 1024); // MaxBytes
        body.Add(0); // IsolationLevel
        Int32(body, 1);
        String(body, topic);
        Int32(body, 1);
        Int32(body, partition);
        Int64(body, offset);
        Int32(body, 1024 * 1024); // PartitionMaxBytes
        return Frame(body);
    }

    private static byte[] ApiVersionsV0(int correlationId)
    {
        var body = new List<byte>();
        Header(body, apiKey: 18, version: 0, correlationId);
        return Frame(body);
    }

    /// <summary>The error code and record bytes of the only partition in a Fetch v4 answer (the frame without its size).</summary>
    private static (short Error, int RecordBytes) ReadFetchV4Partition(byte[] response)
    {
        var s = response.AsSpan();
        var pos = 4 + 4; // correlation id, ThrottleTimeMs
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(s[pos..]));
        pos += 4;
        pos += 2 + BinaryPrimitives.ReadInt16BigEndian(s[pos..]); // topic
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(s[pos..]));
        pos += 4 + 4; // count, PartitionIndex
        var error = BinaryPrimitives.ReadInt16BigEndian(s[pos..]);
        pos += 2 + 8 + 8; // ErrorCode, HighWatermark, LastStableOffset
        var aborted = BinaryPrimitives.ReadInt32BigEndian(s[pos..]);
        pos += 4 + Math.Max(0, aborted) * 16;
        var records = BinaryPrimitives.ReadInt32BigEndian(s[pos..]);
        return (error, Math.Max(0, records));
    }

    private static async Task<byte[]> ReceiveFrameAsync(Socket socket)
    {
        var size = new byte[4];
        await ReceiveExactAsync(socket, size);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await ReceiveExactAsync(socket, frame);
        return frame;
    }

    private static async Task ReceiveExactAsync(Socket socket, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read));
            if (n == 0)
            {
                throw new IOException("The broker closed the connection.");
            }
            read += n;
        }
    }

    private static void Header(List<byte> body, short apiKey, short version, int correlationId)
    {
        Int16(body, apiKey);
        Int16(body, version);
        Int32(body, correlationId);
        String(body, "fetch-wait-test");
    }

    private static byte[] Frame(List<byte> body)
    {
        var frame = new byte[4 + body.Count];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Count);
        body.CopyTo(frame, 4);
        return frame;
    }
}
