using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Confluent.Kafka;
using KafkaPractice.ServiceDefaults.Kafka;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using MySqlConnector;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace KafkaPractice.Tests.Observability;

/// <summary>One trace from the HTTP request through the record to the consumer and its SQL.</summary>
[Collection(AppHostCollection.Name)]
public sealed class TracingTests(AppHostFixture fixture)
{
    [Fact]
    public async Task The_record_carries_the_trace_of_the_http_request_that_produced_it()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var email = MembersApiClient.UniqueEmail("trace");
        using var api = fixture.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/members") { Content = JsonContent.Create(MembersApiClient.Body(email)) };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await api.SendAsync(request);
        var registrationId = await MembersApiClient.AcceptedIdAsync(response);
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(registrationId)).GetProperty("status").GetString());

        var record = ReadRecord(await fixture.GetConnectionStringAsync("kafka"), "create_member", email.ToLowerInvariant());
        var context = KafkaTracing.Extract(record.Message.Headers);
        Assert.Equal(traceId, context.TraceId);
        Assert.StartsWith($"00-{traceId}-", Encoding.ASCII.GetString(record.Message.Headers.GetLastBytes("traceparent")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_process_span_is_a_child_of_the_send_span_and_the_sql_a_child_of_the_process_span()
    {
        var exported = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(KafkaTracing.ActivitySourceName, "MySqlConnector", nameof(TracingTests))
            .AddInMemoryExporter(exported)
            .Build();
        using var testSource = new ActivitySource(nameof(TracingTests));

        // The API side: an HTTP request span, and the send span the producer opens inside it.
        var headers = new Headers();
        ActivityTraceId traceId;
        ActivitySpanId sendSpanId;
        using (var http = testSource.StartActivity("POST /members", ActivityKind.Server))
        {
            Assert.NotNull(http);
            traceId = http.TraceId;
            using var send = KafkaTracing.StartSend("create_member", headers);
            Assert.NotNull(send);
            sendSpanId = send.SpanId;
        }
        Activity.Current = null;

        // The worker side, as BatchConsumerService does it: a process span from the record headers,
        // and the handler's SQL inside it.
        var record = new ConsumeResult<byte[], byte[]>
        {
            Topic = "create_member",
            Partition = 0,
            Offset = 42,
            Message = new Message<byte[], byte[]> { Key = [], Value = [], Headers = headers },
        };
        ActivitySpanId processSpanId;
        using (var process = KafkaTracing.StartProcessBatch([record], "create_member", "member-registrations"))
        {
            Assert.NotNull(process);
            processSpanId = process.SpanId;
            await using var connection = new MySqlConnection(await fixture.GetConnectionStringAsync("appdb"));
            await connection.OpenAsync();
            await using var command = new MySqlCommand("SELECT COUNT(*) FROM members", connection);
            await command.ExecuteScalarAsync();
        }
        tracing.ForceFlush();

        var processSpan = Assert.Single(exported, a => a.SpanId == processSpanId);
        Assert.Equal(traceId, processSpan.TraceId);
        Assert.Equal(sendSpanId, processSpan.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, processSpan.Kind);
        Assert.Equal("member-registrations", processSpan.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal("42", processSpan.GetTagItem("messaging.kafka.offset")?.ToString());
        var sql = exported.Where(a => a.Source.Name == "MySqlConnector" && a.TraceId == traceId).ToList();
        Assert.Contains(sql, a => a.ParentSpanId == processSpanId && a.Kind == ActivityKind.Client);
    }

    private static ConsumeResult<string, byte[]> ReadRecord(string kafka, string topic, string key)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka,
            GroupId = "test-trace-" + Guid.NewGuid(),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
        }).Build();
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
                if (record is { IsPartitionEOF: false } && record.Message.Key == key)
                {
                    return record;
                }
            }
        }
        finally
        {
            consumer.Close();
        }
        throw new TimeoutException($"No record with key {key} in {topic}.");
    }
}
