using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using KafkaPractice.Tests.Infrastructure;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>An emulator started in this process on free ports, plus helpers to talk to it.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private TestCluster(RunningEmulator emulator, int firstPort)
    {
        Emulator = emulator;
        FirstPort = firstPort;
        Http = new HttpClient { BaseAddress = emulator.ControlUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public RunningEmulator Emulator { get; }
    public int FirstPort { get; }
    public HttpClient Http { get; }
    public string Bootstrap => Emulator.Bootstrap;

    public static async Task<TestCluster> StartAsync(params (string Key, string Value)[] extra)
    {
        var firstPort = FreePorts.Consecutive(3, PortPool.EmulatorTests);
        var config = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Emulator:Host"] = "127.0.0.1",
            ["Emulator:FirstBrokerPort"] = firstPort.ToString(CultureInfo.InvariantCulture),
            ["Emulator:RetentionCheckSeconds"] = "0",
            ["Emulator:GroupInitialRebalanceDelayMs"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:KafkaPractice"] = "Information",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }
        var emulator = await EmulatorHost.StartAsync(config);
        return new TestCluster(emulator, firstPort);
    }

    public async Task<ClusterDescription> DescribeAsync() =>
        (await Http.GetFromJsonAsync<ClusterDescription>("/cluster", Json))!;

    public async Task<ClusterDescription> StopBrokerAsync(int id)
    {
        using var response = await Http.PostAsync($"/brokers/{id}/stop", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ClusterDescription>(Json))!;
    }

    public async Task<ClusterDescription> StartBrokerAsync(int id)
    {
        using var response = await Http.PostAsync($"/brokers/{id}/start", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ClusterDescription>(Json))!;
    }

    public ProducerConfig ProducerConfig(int messageTimeoutMs = 30_000) => new()
    {
        BootstrapServers = Bootstrap,
        Acks = Acks.All,
        EnableIdempotence = true,
        MessageTimeoutMs = messageTimeoutMs,
        LingerMs = 5,
    };

    public ConsumerConfig ConsumerConfig(string groupId) => new()
    {
        BootstrapServers = Bootstrap,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 500,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
    };

    /// <summary>Reads every record of a topic from the beginning (no group), until the high watermarks.</summary>
    public List<ConsumeResult<string, string>> ReadAll(string topic, int partitions, TimeSpan timeout)
    {
        var config = ConsumerConfig("read-all-" + Guid.NewGuid().ToString("N"));
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        var ends = new Dictionary<int, long>();
        for (var p = 0; p < partitions; p++)
        {
            ends[p] = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value;
        }
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, string>>();
        var positions = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => 0L);
        var deadline = DateTime.UtcNow + timeout;
        while (positions.Any(kv => kv.Value < ends[kv.Key]) && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null || r.IsPartitionEOF)
            {
                continue;
            }
            records.Add(r);
            positions[r.Partition.Value] = r.Offset.Value + 1;
        }
        consumer.Close();
        return records;
    }

    /// <summary>
    /// Sends one request frame, as a pure-protocol client would, to broker 1's listener and returns
    /// the answer (without its size), or null when none came within <paramref name="timeout"/>.
    /// </summary>
    public async Task<byte[]?> SendRawAsync(short apiKey, short version, string clientId, byte[] body, TimeSpan timeout)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, FirstPort);
        var id = Encoding.UTF8.GetBytes(clientId);
        var frame = new byte[4 + 2 + 2 + 4 + 2 + id.Length + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), apiKey);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), version);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), 7);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), (short)id.Length);
        id.CopyTo(frame, 14);
        body.CopyTo(frame, 14 + id.Length);
        var stream = client.GetStream();
        await stream.WriteAsync(frame);
        await stream.FlushAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var size = new byte[4];
            await stream.ReadExactlyAsync(size, cts.Token);
            var answer = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
            await stream.ReadExactlyAsync(answer, cts.Token);
            return answer;
        }
        catch (Exception ex) when (ex is OperationCanceledException or EndOfStreamException)
        {
            return null; // e.g. the mock does not answer an API it lacks
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}
