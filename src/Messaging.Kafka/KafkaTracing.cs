using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace KafkaPractice.Messaging.Kafka;

/// <summary>
/// Spans for producing and consuming, following the OpenTelemetry messaging conventions. The
/// producer writes W3C <c>traceparent</c>/<c>tracestate</c> into the record headers and the
/// consumer continues from them, so one trace runs from the HTTP request to the database write.
/// </summary>
public static class KafkaTracing
{
    public const string ActivitySourceName = "KafkaPractice.Kafka";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    public static readonly ActivitySource Source = new(ActivitySourceName);

    /// <summary>Starts "send {topic}" (kind Producer) and injects its context into <paramref name="headers"/>.</summary>
    public static Activity? StartSend(string topic, Headers headers)
    {
        var activity = Source.StartActivity(SpanName("send", topic), ActivityKind.Producer);
        // Tags only on a recorded span (here and below): one that only carries the context, not
        // sampled, would keep them unread, for every record.
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag("messaging.destination.name", topic);
        }
        Inject(activity ?? Activity.Current, headers);
        return activity;
    }

    /// <summary>Tags the send span with where the record landed, and counts it as produced.</summary>
    public static void RecordDelivery(Activity? activity, TopicPartitionOffset delivered)
    {
        MessagingMetrics.RecordProduced(delivered.Topic);
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }
        activity.SetTag("messaging.destination.partition.id", delivered.Partition.Value.ToString(CultureInfo.InvariantCulture));
        activity.SetTag("messaging.kafka.offset", delivered.Offset.Value);
    }

    /// <summary>Marks the send span failed, and counts the record to <paramref name="topic"/> as not produced.</summary>
    public static void RecordError(Activity? activity, string topic, Exception exception)
    {
        var errorType = exception is KafkaException ke ? ke.Error.Code.ToString() : exception.GetType().FullName ?? "error";
        MessagingMetrics.RecordProduceFailed(topic, errorType);
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", errorType);
    }

    /// <summary>Starts "process {topic}" (kind Consumer) as a child of the context the producer left in the headers.</summary>
    public static Activity? StartProcess<TKey, TValue>(ConsumeResult<TKey, TValue> record, string consumerGroup)
    {
        var parent = Extract(record.Message.Headers);
        var activity = Source.StartActivity(SpanName("process", record.Topic), ActivityKind.Consumer, parent);
        Tag(activity, record.Topic, consumerGroup);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.destination.partition.id", record.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", record.Offset.Value);
        }
        return activity;
    }

    /// <summary>
    /// Starts "process {topic}" for a batch: every record's context is a link, and the parent is
    /// the first record's context that was sampled (the first record's when none was), so that a
    /// sampled request's trace shows its database write even when its record was not the first of
    /// the batch (a parent-based sampler records the span only when its parent was sampled).
    /// </summary>
    public static Activity? StartProcessBatch<TKey, TValue>(IReadOnlyList<ConsumeResult<TKey, TValue>> records, string topic, string consumerGroup)
    {
        if (records.Count == 1)
        {
            return StartProcess(records[0], consumerGroup);
        }
        var links = new List<ActivityLink>(records.Count);
        ActivityContext first = default;
        ActivityContext? sampled = null;
        for (var i = 0; i < records.Count; i++)
        {
            var context = Extract(records[i].Message.Headers);
            if (i == 0)
            {
                first = context;
            }
            if (context != default)
            {
                links.Add(new ActivityLink(context));
                if (sampled is null && (context.TraceFlags & ActivityTraceFlags.Recorded) != 0)
                {
                    sampled = context;
                }
            }
        }
        var parent = sampled ?? first;
        var activity = Source.StartActivity(SpanName("process", topic), ActivityKind.Consumer, parent, links: links);
        Tag(activity, topic, consumerGroup);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.batch.message_count", records.Count);
        }
        return activity;
    }

    public static void Inject(Activity? activity, Headers headers)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }
        headers.Remove(TraceParentHeader);
        headers.Add(TraceParentHeader, TraceParent(activity));
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            headers.Remove(TraceStateHeader);
            headers.Add(TraceStateHeader, Encoding.ASCII.GetBytes(activity.TraceStateString));
        }
    }

    /// <summary>
    /// The W3C <c>traceparent</c> of <paramref name="activity"/> (<c>00-{trace id}-{span id}-{flags}</c>,
    /// what <see cref="Activity.Id"/> reads) written straight as the header's bytes, from the ids'
    /// hex digits the activity already holds: no string per record.
    /// </summary>
    internal static byte[] TraceParent(Activity activity)
    {
        const int traceId = 3, spanId = traceId + 32 + 1, flags = spanId + 16 + 1;
        var value = new byte[flags + 2];
        "00-"u8.CopyTo(value);
        Encoding.ASCII.GetBytes(activity.TraceId.ToHexString(), value.AsSpan(traceId));
        value[spanId - 1] = (byte)'-';
        Encoding.ASCII.GetBytes(activity.SpanId.ToHexString(), value.AsSpan(spanId));
        value[flags - 1] = (byte)'-';
        (activity.Recorded ? "01"u8 : "00"u8).CopyTo(value.AsSpan(flags));
        return value;
    }

    private static readonly ConcurrentDictionary<(string Operation, string Topic), string> SpanNames = new();

    /// <summary>"send {topic}", "process {topic}": built once per topic (a few), not per record.</summary>
    private static string SpanName(string operation, string topic) =>
        SpanNames.Count < 256
            ? SpanNames.GetOrAdd((operation, topic), static key => $"{key.Operation} {key.Topic}")
            : $"{operation} {topic}";

    public static ActivityContext Extract(Headers? headers)
    {
        if (headers is null || !headers.TryGetLastBytes(TraceParentHeader, out var parentBytes))
        {
            return default;
        }
        string? state = headers.TryGetLastBytes(TraceStateHeader, out var stateBytes) ? Encoding.ASCII.GetString(stateBytes) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parentBytes), state, isRemote: true, out var context)
            ? context
            : default;
    }

    private static void Tag(Activity? activity, string topic, string consumerGroup)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }
        activity.SetTag("messaging.system", "kafka");
        activity.SetTag("messaging.operation.type", "process");
        activity.SetTag("messaging.operation.name", "process");
        activity.SetTag("messaging.destination.name", topic);
        activity.SetTag("messaging.consumer.group.name", consumerGroup);
    }
}
