using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Which Kafka APIs (and versions) the librdkafka mock answers, asked from the mock itself with an
/// ApiVersions v0 request, and a warning, once per client, API and version, when a client asks for
/// one it lacks: the mock drops such a request, and the client only sees a timeout or a closed
/// connection (docs/kafka-emulator.md, "What works with which client").
/// </summary>
internal sealed partial class MockApiSupport(IReadOnlyDictionary<short, (short Min, short Max)> supported, ILogger logger)
{
    private readonly ConcurrentDictionary<(string Client, short ApiKey, short Version), long> _seen = new();

    public IReadOnlyDictionary<short, (short Min, short Max)> Supported { get; } = supported;

    /// <summary>Asks the mock broker listening on 127.0.0.1:<paramref name="port"/> for its API versions.</summary>
    public static MockApiSupport Query(int port, ILogger logger)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000, SendTimeout = 5000 };
        socket.Connect(IPAddress.Loopback, port);
        socket.Send(Wire.KafkaWire.Request(Wire.KafkaApiKeys.ApiVersions, version: 0, correlationId: 1, "kafka-emulator"));

        var size = BinaryPrimitives.ReadInt32BigEndian(ReceiveExactly(socket, 4));
        var response = ReceiveExactly(socket, size);
        // correlation id (4), error code (2), array count (4), then (api key, min, max) as int16s.
        var count = BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(6));
        var supported = new Dictionary<short, (short, short)>();
        for (var i = 0; i < count; i++)
        {
            var entry = response.AsSpan(10 + i * 6);
            supported[BinaryPrimitives.ReadInt16BigEndian(entry)] =
                (BinaryPrimitives.ReadInt16BigEndian(entry[2..]), BinaryPrimitives.ReadInt16BigEndian(entry[4..]));
        }
        return new MockApiSupport(supported, logger);
    }

    /// <summary>Warns when <paramref name="request"/> (a request frame without its size) is for an API or version the mock lacks.</summary>
    public void Check(int brokerId, ReadOnlySpan<byte> request)
    {
        if (request.Length < 10)
        {
            return;
        }
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(request);
        var version = BinaryPrimitives.ReadInt16BigEndian(request[2..]);
        if (apiKey == Wire.KafkaApiKeys.ApiVersions)
        {
            // Clients open with their newest ApiVersions and fall back on the version list the
            // answer carries (librdkafka sends v3, the mock answers v0-v2): negotiation, not a gap.
            return;
        }
        if (Supported.TryGetValue(apiKey, out var range) && version >= range.Min && version <= range.Max)
        {
            return;
        }
        var clientId = ReadClientId(request[8..]);
        if (_seen.AddOrUpdate((clientId, apiKey, version), 1, (_, n) => n + 1) > 1)
        {
            return;
        }
        var supportedVersions = Supported.TryGetValue(apiKey, out var r) ? $"versions {r.Min}-{r.Max} only" : "not at all";
        LogUnsupported(logger, brokerId, clientId, Name(apiKey), apiKey, version, supportedVersions);
    }

    /// <summary>The requests for missing APIs seen so far, for <c>GET /unsupported-requests</c>.</summary>
    public IReadOnlyList<UnsupportedRequestDescription> Seen() =>
        [.. _seen.OrderBy(s => s.Key.Client, StringComparer.Ordinal).ThenBy(s => s.Key.ApiKey).ThenBy(s => s.Key.Version)
            .Select(s => new UnsupportedRequestDescription(s.Key.Client, Name(s.Key.ApiKey), s.Key.ApiKey, s.Key.Version, s.Value))];

    private static string ReadClientId(ReadOnlySpan<byte> field)
    {
        var length = BinaryPrimitives.ReadInt16BigEndian(field);
        return length < 0 || field.Length < 2 + length ? "(none)" : Encoding.UTF8.GetString(field.Slice(2, length));
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("The mock broker closed the connection during ApiVersions.");
            }
            read += n;
        }
        return buffer;
    }

    /// <summary>Names of the APIs clients and tools commonly ask for (Kafka protocol guide).</summary>
    private static string Name(short apiKey) => apiKey switch
    {
        0 => "Produce", 1 => "Fetch", 2 => "ListOffsets", 3 => "Metadata", 8 => "OffsetCommit", 9 => "OffsetFetch",
        10 => "FindCoordinator", 11 => "JoinGroup", 12 => "Heartbeat", 13 => "LeaveGroup", 14 => "SyncGroup",
        15 => "DescribeGroups", 16 => "ListGroups", 17 => "SaslHandshake", 18 => "ApiVersions", 19 => "CreateTopics",
        20 => "DeleteTopics", 21 => "DeleteRecords", 22 => "InitProducerId", 23 => "OffsetForLeaderEpoch",
        29 => "DescribeAcls", 32 => "DescribeConfigs", 33 => "AlterConfigs", 35 => "DescribeLogDirs", 36 => "SaslAuthenticate",
        37 => "CreatePartitions", 42 => "DeleteGroups", 44 => "IncrementalAlterConfigs", 47 => "OffsetDelete",
        60 => "DescribeCluster", 61 => "DescribeProducers", 71 => "GetTelemetrySubscriptions", 72 => "PushTelemetry",
        _ => $"API {apiKey}",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId}: client '{ClientId}' asked for {Api} (API key {ApiKey}) v{Version}, which the librdkafka mock supports {Supported}; the request will go unanswered or the connection will close. See docs/kafka-emulator.md, 'What works with which client'")]
    private static partial void LogUnsupported(ILogger logger, int brokerId, string clientId, string api, short apiKey, short version, string supported);
}

/// <summary>A client's request for an API (or version) the librdkafka mock lacks, and how often it came.</summary>
public sealed record UnsupportedRequestDescription(string ClientId, string Api, short ApiKey, short Version, long Count);
