using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace KafkaPractice.Tests.Observability;

/// <summary>
/// How many traces the services record: every one while quiet, at most a few a second under
/// load, and a trace that arrives sampled is recorded whole (the API's request, its record, the
/// worker's batch).
/// </summary>
public sealed class TraceSamplingTests
{
    [Fact]
    public void The_sampler_lets_through_one_seconds_worth_at_once_then_refills_at_its_rate()
    {
        var time = new FakeTimeProvider();
        var sampler = new RateLimitingSampler(10, time);

        Assert.Equal(10, Decide(sampler, 15).Count(d => d == SamplingDecision.RecordAndSample));

        time.Advance(TimeSpan.FromMilliseconds(250)); // 2.5 traces' worth
        Assert.Equal([SamplingDecision.RecordAndSample, SamplingDecision.RecordAndSample, SamplingDecision.Drop], Decide(sampler, 3));

        // A long quiet spell fills the bucket to one second's worth, no more.
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(10, Decide(sampler, 50).Count(d => d == SamplingDecision.RecordAndSample));
    }

    [Fact]
    public void A_rate_below_one_a_second_still_samples_the_first_trace()
    {
        var time = new FakeTimeProvider();
        var sampler = new RateLimitingSampler(0.5, time);

        Assert.Equal([SamplingDecision.RecordAndSample, SamplingDecision.Drop], Decide(sampler, 2));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SamplingDecision.Drop, Decide(sampler, 1)[0]);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(sampler, 1)[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void The_sampler_refuses_a_rate_that_is_not_a_positive_number(double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimitingSampler(rate));

    [Fact]
    public async Task A_service_records_new_traces_up_to_its_rate_and_every_trace_that_arrives_sampled()
    {
        // A rate so low that the bucket, one trace, cannot refill during the test.
        var (host, source, spans) = await StartServiceAsync(new() { ["OpenTelemetry:MaxTracesPerSecond"] = "0.001" });
        using (host)
        using (source)
        {
            var roots = StartRoots(source, 5);
            Assert.Equal([true, false, false, false, false], roots.Select(a => a.Recorded));
            // A trace left out still carries its context, marked not sampled: the record's headers
            // pass that decision on, so the worker leaves the rest of the trace out too.
            Assert.EndsWith("-00", roots[1].Id, StringComparison.Ordinal);

            using (var fromSampledParent = source.StartActivity("process", ActivityKind.Consumer, Remote(sampled: true)))
            using (var fromUnsampledParent = source.StartActivity("process", ActivityKind.Consumer, Remote(sampled: false)))
            {
                Assert.True(fromSampledParent!.Recorded);
                Assert.False(fromUnsampledParent!.Recorded);
            }

            await host.StopAsync();
            Assert.Equal(2, spans.Count);
        }
    }

    [Fact]
    public async Task The_standard_sampler_variable_replaces_the_rate_limit()
    {
        var (host, source, _) = await StartServiceAsync(new()
        {
            ["OpenTelemetry:MaxTracesPerSecond"] = "0.001",
            ["OTEL_TRACES_SAMPLER"] = "parentbased_always_on",
        });
        using (host)
        using (source)
        {
            var roots = StartRoots(source, 5);
            Assert.All(roots, a => Assert.True(a.Recorded));
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("ten")]
    [InlineData("NaN")]
    public void A_service_refuses_to_start_with_a_rate_that_is_not_a_positive_number(string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OpenTelemetry:MaxTracesPerSecond"] = value });

        var error = Assert.Throws<InvalidOperationException>(() => builder.ConfigureOpenTelemetry());
        Assert.Contains("OpenTelemetry:MaxTracesPerSecond", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_span_continues_the_first_sampled_record_so_a_sampled_request_shows_its_database_write()
    {
        var notSampled = Remote(sampled: false);
        var sampled = Remote(sampled: true);
        var ended = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(KafkaTracing.ActivitySourceName)
            .SetSampler(new ParentBasedSampler(new AlwaysOffSampler()))
            .AddInMemoryExporter(ended)
            .Build();

        using (var batch = KafkaTracing.StartProcessBatch([Record(notSampled), Record(sampled), Record(Remote(sampled: true))], "create_member", "g"))
        {
            Assert.NotNull(batch);
            Assert.Equal(sampled.SpanId, batch.ParentSpanId);
            Assert.Equal(sampled.TraceId, batch.TraceId);
            Assert.True(batch.Recorded);
            Assert.Equal(3, batch.Links.Count());
        }

        // None sampled: the first record's context stays the parent.
        using (var batch = KafkaTracing.StartProcessBatch([Record(notSampled), Record(Remote(sampled: false))], "create_member", "g"))
        {
            Assert.NotNull(batch);
            Assert.Equal(notSampled.SpanId, batch.ParentSpanId);
        }
    }

    /// <summary>Activities with no parent, each stopped before the next starts (else it would be the next one's parent).</summary>
    private static List<Activity> StartRoots(ActivitySource source, int count) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var activity = source.StartActivity("request")!;
            activity.Stop();
            return activity;
        }).ToList();

    private static List<SamplingDecision> Decide(Sampler sampler, int count) =>
        Enumerable.Range(0, count)
            .Select(_ => sampler.ShouldSample(new SamplingParameters(default, ActivityTraceId.CreateRandom(), "request", ActivityKind.Server)).Decision)
            .ToList();

    private static ActivityContext Remote(bool sampled) =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);

    private static ConsumeResult<string, byte[]> Record(ActivityContext context)
    {
        var flags = (context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00";
        var headers = new Headers { { KafkaTracing.TraceParentHeader, Encoding.ASCII.GetBytes($"00-{context.TraceId}-{context.SpanId}-{flags}") } };
        return new ConsumeResult<string, byte[]> { Topic = "create_member", Message = new Message<string, byte[]> { Key = "k", Value = [], Headers = headers } };
    }

    /// <summary>A host with the services' OpenTelemetry set-up, recording spans of a source of its own.</summary>
    private static async Task<(IHost Host, ActivitySource Source, List<Activity> Spans)> StartServiceAsync(Dictionary<string, string?> settings)
    {
        var source = new ActivitySource($"sampling-test-{Guid.NewGuid():N}");
        var spans = new List<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.ConfigureOpenTelemetry();
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(source.Name).AddInMemoryExporter(spans));
        var host = builder.Build();
        await host.StartAsync();
        return (host, source, spans);
    }
}
