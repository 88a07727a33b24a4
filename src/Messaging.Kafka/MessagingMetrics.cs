using System.Diagnostics.Metrics;

namespace KafkaPractice.Messaging.Kafka;

/// <summary>
/// What the application itself did with records, per topic, on meter <see cref="MeterName"/>
/// (librdkafka's own view, queues, round trips, lag, is <see cref="Client.KafkaClientMetrics"/>).
/// Static like <see cref="KafkaTracing.Source"/>: any producer or consumer records here without wiring.
/// </summary>
public static class MessagingMetrics
{
    public const string MeterName = "KafkaPractice.Messaging";
    private const string TopicTag = "messaging.destination.name";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Produced = Meter.CreateCounter<long>(
        "kafkapractice.records.produced", "{record}", "Records acknowledged by Kafka (acks as the topology says).");

    private static readonly Counter<long> ProduceFailed = Meter.CreateCounter<long>(
        "kafkapractice.records.produce_failed", "{record}", "Records Kafka did not acknowledge (timed out or refused), by error.");

    private static readonly Counter<long> Consumed = Meter.CreateCounter<long>(
        "kafkapractice.records.consumed", "{record}", "Records processed and committed by a consumer group.");

    private static readonly Counter<long> Failed = Meter.CreateCounter<long>(
        "kafkapractice.records.failed", "{record}", "Records in batches that failed and will be retried after a back-off.");

    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>(
        "kafkapractice.records.dead_lettered", "{record}", "Records sent to the dead-letter topic.");

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "kafkapractice.consumer.batch.size", "{record}", "Records per consumed batch.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] });

    private static readonly Histogram<double> WriteDuration = Meter.CreateHistogram<double>(
        "kafkapractice.consumer.db.write.duration", "s", "Time a batch handler took to write one batch to the database (one transaction).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    public static void RecordProduced(string topic) => Produced.Add(1, new KeyValuePair<string, object?>(TopicTag, topic));

    public static void RecordProduceFailed(string topic, string error) =>
        ProduceFailed.Add(1, new KeyValuePair<string, object?>(TopicTag, topic), new KeyValuePair<string, object?>("error.type", error));

    public static void RecordConsumed(string topic, string group, int count) =>
        Consumed.Add(count, new KeyValuePair<string, object?>(TopicTag, topic), new KeyValuePair<string, object?>("messaging.consumer.group.name", group));

    public static void RecordFailed(string topic, string group, int count) =>
        Failed.Add(count, new KeyValuePair<string, object?>(TopicTag, topic), new KeyValuePair<string, object?>("messaging.consumer.group.name", group));

    public static void RecordDeadLettered(string topic) => DeadLettered.Add(1, new KeyValuePair<string, object?>(TopicTag, topic));

    public static void RecordBatch(string topic, int size) => BatchSize.Record(size, new KeyValuePair<string, object?>(TopicTag, topic));

    public static void RecordWrite(string topic, TimeSpan elapsed) =>
        WriteDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(TopicTag, topic));
}
