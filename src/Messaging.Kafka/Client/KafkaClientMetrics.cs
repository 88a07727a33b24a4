using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace KafkaPractice.Messaging.Kafka.Client;

/// <summary>
/// Turns librdkafka's periodic statistics (JSON, every <c>statistics.interval.ms</c>) into
/// OpenTelemetry instruments on meter <see cref="MeterName"/>. Each client keeps its latest
/// snapshot; observable instruments report it, tagged with the client name.
/// </summary>
public sealed class KafkaClientMetrics : IDisposable
{
    public const string MeterName = "KafkaPractice.Kafka";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);

    public KafkaClientMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge("kafka.client.queue.messages", () => Observe(s => s.QueuedMessages),
            "{message}", "Messages waiting in the client's queues (producer: not yet acknowledged).");
        _meter.CreateObservableGauge("kafka.client.queue.bytes", () => Observe(s => s.QueuedBytes),
            "By", "Bytes of messages waiting in the client's queues.");
        _meter.CreateObservableGauge("kafka.client.request.latency", () => Observe(s => s.AverageRttMs),
            "ms", "Average broker round-trip time over the last statistics window, across brokers.");
        _meter.CreateObservableCounter("kafka.client.request.retries", () => Observe(s => s.Retries),
            "{request}", "Requests the client sent again.");
        _meter.CreateObservableCounter("kafka.client.request.errors", () => Observe(s => s.Errors),
            "{error}", "Transmit and receive errors and request timeouts.");
        _meter.CreateObservableCounter("kafka.client.messages.sent", () => Observe(s => s.MessagesSent),
            "{message}", "Messages sent to brokers.");
        _meter.CreateObservableCounter("kafka.client.messages.received", () => Observe(s => s.MessagesReceived),
            "{message}", "Messages received from brokers.");
        _meter.CreateObservableGauge("kafka.consumer.lag", () => Observe(s => s.ConsumerLag),
            "{message}", "Sum of the consumer lag over the partitions this client is assigned.");
        _meter.CreateObservableGauge("kafka.consumer.partition.lag", ObservePartitionLag,
            "{message}", "Consumer lag of each assigned partition: high watermark minus the group's committed offset.");
    }

    public void Record(string statisticsJson)
    {
        var snapshot = Parse(statisticsJson);
        if (snapshot is not null)
        {
            _snapshots[snapshot.ClientName] = snapshot;
        }
    }

    public Snapshot? Latest(string clientName) => _snapshots.GetValueOrDefault(clientName);

    public static Snapshot? Parse(string statisticsJson)
    {
        try
        {
            using var doc = JsonDocument.Parse(statisticsJson);
            var root = doc.RootElement;
            var name = root.TryGetProperty("name", out var n) ? n.GetString() ?? "unknown" : "unknown";
            var type = root.TryGetProperty("type", out var t) ? t.GetString() ?? "unknown" : "unknown";
            long retries = 0, errors = 0;
            double rttSum = 0;
            var rttCount = 0;
            if (root.TryGetProperty("brokers", out var brokers) && brokers.ValueKind == JsonValueKind.Object)
            {
                foreach (var broker in brokers.EnumerateObject())
                {
                    var b = broker.Value;
                    retries += Long(b, "txretries");
                    errors += Long(b, "txerrs") + Long(b, "rxerrs") + Long(b, "req_timeouts");
                    if (b.TryGetProperty("rtt", out var rtt) && Long(rtt, "cnt") > 0)
                    {
                        rttSum += Long(rtt, "avg") / 1000.0;
                        rttCount++;
                    }
                }
            }
            long lag = 0;
            var partitionLags = new List<PartitionLag>();
            if (root.TryGetProperty("topics", out var topics) && topics.ValueKind == JsonValueKind.Object)
            {
                foreach (var topic in topics.EnumerateObject())
                {
                    if (!topic.Value.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }
                    foreach (var partition in partitions.EnumerateObject())
                    {
                        var p = partition.Value;
                        var partitionLag = Long(p, "consumer_lag");
                        if (partition.Name != "-1" && partitionLag >= 0 && p.TryGetProperty("fetch_state", out var fs) && fs.GetString() != "none")
                        {
                            lag += partitionLag;
                            partitionLags.Add(new PartitionLag(topic.Name, partition.Name, partitionLag));
                        }
                    }
                }
            }
            return new Snapshot(
                name, type,
                Long(root, "msg_cnt"), Long(root, "msg_size"),
                rttCount == 0 ? 0 : rttSum / rttCount,
                retries, errors,
                Long(root, "txmsgs"), Long(root, "rxmsgs"), lag)
            {
                PartitionLags = partitionLags,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long Long(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : 0;

    private IEnumerable<Measurement<T>> Observe<T>(Func<Snapshot, T> value) where T : struct =>
        _snapshots.Values.Select(s => new Measurement<T>(value(s),
            new KeyValuePair<string, object?>("messaging.client.id", s.ClientName),
            new KeyValuePair<string, object?>("kafka.client.type", s.ClientType)));

    private IEnumerable<Measurement<long>> ObservePartitionLag() =>
        _snapshots.Values.SelectMany(s => s.PartitionLags.Select(p => new Measurement<long>(p.Lag,
            new KeyValuePair<string, object?>("messaging.client.id", s.ClientName),
            new KeyValuePair<string, object?>("messaging.destination.name", p.Topic),
            new KeyValuePair<string, object?>("messaging.destination.partition.id", p.Partition))));

    public void Dispose() => _meter.Dispose();

    public sealed record PartitionLag(string Topic, string Partition, long Lag);

    public sealed record Snapshot(
        string ClientName, string ClientType,
        long QueuedMessages, long QueuedBytes, double AverageRttMs,
        long Retries, long Errors, long MessagesSent, long MessagesReceived, long ConsumerLag)
    {
        public IReadOnlyList<PartitionLag> PartitionLags { get; init; } = [];
    }
}
