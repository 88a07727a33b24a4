extern alias worker;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Confluent.Kafka;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.MySqlClient;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using worker::KafkaPractice.Consumer.Worker.Extensions;
using worker::KafkaPractice.Consumer.Worker.Members;
using worker::KafkaPractice.Consumer.Worker.Messaging;

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

    /// <summary>
    /// The worker's own spans, captured in-process: the worker's member pipeline as the worker
    /// registers it (<c>AddMemberRegistrations</c>: <c>BatchConsumerService</c> and the real
    /// handler writing to MySQL) runs here in a consumer group of its own, next to the real worker,
    /// while the real API produces the records.
    /// </summary>
    [Fact]
    public async Task The_workers_process_span_continues_the_records_send_span_and_its_sql_is_a_child_of_it()
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var captured = new SpanCapture();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(KafkaTracing.ActivitySourceName, "MySqlConnector")
            .AddProcessor(captured)
            .Build();

        var group = $"trace-test-{Guid.NewGuid():N}";
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = kafka,
            ["ConnectionStrings:appdb"] = await fixture.GetConnectionStringAsync("appdb"),
            ["ConnectionStrings:redis"] = await fixture.GetConnectionStringAsync("redis"),
            ["Consumers:Members:GroupId"] = group,
            // A group of its own that starts at the end: it processes only what is sent from now on.
            ["Aspire:Confluent:Kafka:Consumer:Config:AutoOffsetReset"] = "Latest",
        });
        // The spans are what this test reads; the in-process worker's log would only flood the test output.
        builder.Logging.ClearProviders();
        builder.AddWorkerMessaging();
        builder.AddMySqlDbContext<AppDbContext>(AppDatabase.ConnectionName, configureDbContextOptions: AppDatabase.ConfigureDbContext);
        builder.AddCoreCache();
        builder.AddMemberRegistrations();
        using var worker = builder.Build();
        await worker.StartAsync();
        try
        {
            using var api = fixture.CreateApiClient();
            // Registrations sent before the group has its partitions are not seen by it: send until one is.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline, "The in-process worker processed none of the registrations sent.");
                var traceId = ActivityTraceId.CreateRandom();
                var email = MembersApiClient.UniqueEmail("trace");
                using var request = new HttpRequestMessage(HttpMethod.Post, "/members") { Content = JsonContent.Create(MembersApiClient.Body(email)) };
                request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
                using var response = await api.SendAsync(request);
                await MembersApiClient.AcceptedIdAsync(response);

                var process = await WaitForProcessSpanAsync(captured, traceId, TimeSpan.FromSeconds(15));
                if (process is null)
                {
                    continue;
                }

                // The record names the API's send span as its parent; the worker's process span continues it
                // (as its parent, or as one of its links when the record shared a batch with others).
                var record = ReadRecord(kafka, "create_member", email.ToLowerInvariant());
                var send = KafkaTracing.Extract(record.Message.Headers);
                Assert.Equal(traceId, send.TraceId);
                Assert.True(process.ParentSpanId == send.SpanId || process.Links.Any(l => l.Context.SpanId == send.SpanId),
                    $"The process span (parent {process.ParentSpanId}) does not continue the send span {send.SpanId}.");
                Assert.Equal(ActivityKind.Consumer, process.Kind);
                Assert.Equal(group, process.GetTagItem("messaging.consumer.group.name"));
                // The handler's SQL runs inside the process span.
                Assert.Contains(captured.Spans, a => a.Source.Name == "MySqlConnector" && a.ParentSpanId == process.SpanId && a.Kind == ActivityKind.Client);
                return;
            }
        }
        finally
        {
            await worker.StopAsync();
        }
    }

    private static async Task<Activity?> WaitForProcessSpanAsync(SpanCapture captured, ActivityTraceId traceId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var process = captured.Spans.FirstOrDefault(a => a.Source.Name == KafkaTracing.ActivitySourceName && a.Kind == ActivityKind.Consumer
                && (a.TraceId == traceId || a.Links.Any(l => l.Context.TraceId == traceId)));
            if (process is not null)
            {
                return process;
            }
            await Task.Delay(100);
        }
        return null;
    }

    /// <summary>Every span that ends, from whichever thread ends it.</summary>
    private sealed class SpanCapture : BaseProcessor<Activity>
    {
        private readonly ConcurrentQueue<Activity> _spans = new();

        public IEnumerable<Activity> Spans => _spans;

        public override void OnEnd(Activity data) => _spans.Enqueue(data);
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
