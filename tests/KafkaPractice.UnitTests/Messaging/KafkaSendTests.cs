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

    /// <summary>A local port nothing listens on: bound, then let go.</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
