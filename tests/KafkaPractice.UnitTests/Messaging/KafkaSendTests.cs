using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;

namespace KafkaPractice.Tests.Messaging;

/// <summary>The send path when Kafka does not answer: the caller sees the failure as it came, and the span says so.</summary>
public sealed class KafkaSendTests
{
    [Fact]
    public async Task A_send_that_is_never_acknowledged_is_rethrown_and_its_span_is_marked_failed()
    {
        var topic = $"send-test-{Guid.NewGuid():N}";
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KafkaTracing.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = $"127.0.0.1:{ClosedPort()}",
            MessageTimeoutMs = 300,
        }).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();

        var error = await Assert.ThrowsAsync<ProduceException<string, byte[]>>(() => producer.SendAsync(topic, "k", new LogMarker("test")));

        var span = Assert.Single(stopped, a => a.DisplayName == $"send {topic}");
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(error.Error.Code.ToString(), span.GetTagItem("error.type"));
        // The record carried the span's context and the contract's headers.
        var headers = error.DeliveryResult.Message.Headers;
        Assert.Equal(span.Id, System.Text.Encoding.ASCII.GetString(headers.GetLastBytes(KafkaTracing.TraceParentHeader)));
        Assert.True(ContractMessage.Is<LogMarker>(headers));
    }

    [Fact]
    public async Task A_delivered_send_says_where_the_record_landed_and_copies_nothing_back()
    {
        // librdkafka's own mock cluster, in this process: three brokers, acks=all, idempotence.
        var config = new ProducerConfig { BootstrapServers = "mock" };
        config.Set("test.mock.num.brokers", "3");
        KafkaClientRules.ApplyProducerRules(config, KafkaTopology.Default);
        using var producer = new ProducerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        var topic = $"send-test-{Guid.NewGuid():N}";

        var first = await producer.SendAsync(topic, "k", new LogMarker("first"));
        var second = await producer.SendAsync(topic, "k", new LogMarker("second"));

        // What the API answers on: the record is written, and where.
        Assert.Equal(PersistenceStatus.Persisted, second.Status);
        Assert.Equal(topic, second.Topic);
        Assert.Equal(first.Partition, second.Partition);
        Assert.Equal(first.Offset.Value + 1, second.Offset.Value);
        // What it does not read is not copied back out of librdkafka for every acknowledgement.
        Assert.Null(second.Message.Headers);
        Assert.Null(second.Message.Value);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_traceparent_header_is_the_activity_id_recorded_or_not(bool recorded)
    {
        using var activity = new Activity("send").SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = recorded ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
        activity.TraceStateString = "vendor=1";
        activity.Start();
        var headers = new Headers { { KafkaTracing.TraceParentHeader, [1, 2, 3] } };

        KafkaTracing.Inject(activity, headers);

        var value = System.Text.Encoding.ASCII.GetString(headers.GetLastBytes(KafkaTracing.TraceParentHeader));
        Assert.Equal(activity.Id, value);
        Assert.EndsWith(recorded ? "-01" : "-00", value, StringComparison.Ordinal);
        Assert.Single(headers, h => h.Key == KafkaTracing.TraceParentHeader);
        var context = KafkaTracing.Extract(headers);
        Assert.Equal(activity.TraceId, context.TraceId);
        Assert.Equal(activity.SpanId, context.SpanId);
        Assert.Equal("vendor=1", context.TraceState);
    }

    /// <summary>A local port nothing listens on: bound, then let go.</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
