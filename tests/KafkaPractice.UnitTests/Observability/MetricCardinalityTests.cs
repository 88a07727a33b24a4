using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace KafkaPractice.Tests.Observability;

/// <summary>
/// Each metric keeps room for a bounded number of attribute sets; past it, measurements are
/// still counted, under the overflow attribute. A histogram keeps the buckets its instrument asks for.
/// </summary>
public sealed class MetricCardinalityTests
{
    [Fact]
    public async Task Attribute_sets_past_the_limit_are_counted_under_the_overflow_attribute()
    {
        using var meter = new Meter($"cardinality-test-{Guid.NewGuid():N}");
        var (host, metrics) = await StartServiceAsync(meter.Name);
        using (host)
        {
            var counter = meter.CreateCounter<long>("test.requests");
            var sets = ServiceDefaultsExtensions.MetricCardinalityLimit + 100;
            for (var i = 0; i < sets; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("route", $"/r/{i}"));
            }

            var points = Points(host, metrics, "test.requests");
            // The limit, plus the one overflow point.
            Assert.InRange(points.Count, ServiceDefaultsExtensions.MetricCardinalityLimit, ServiceDefaultsExtensions.MetricCardinalityLimit + 1);
            Assert.Contains(points, p => Tags(p).ContainsKey("otel.metric.overflow"));
            Assert.Equal(sets, points.Sum(p => p.GetSumLong()));
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_histogram_keeps_the_buckets_its_instrument_advises()
    {
        using var meter = new Meter($"cardinality-test-{Guid.NewGuid():N}");
        var (host, metrics) = await StartServiceAsync(meter.Name);
        using (host)
        {
            var histogram = meter.CreateHistogram<double>("test.duration", "s", null, null,
                new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
            histogram.Record(0.05);

            var point = Assert.Single(Points(host, metrics, "test.duration"));
            var bounds = new List<double>();
            foreach (var bucket in point.GetHistogramBuckets())
            {
                bounds.Add(bucket.ExplicitBound);
            }
            Assert.Equal([0.01, 0.1, 1, double.PositiveInfinity], bounds);
            await host.StopAsync();
        }
    }

    private static List<MetricPoint> Points(IHost host, List<Metric> metrics, string name)
    {
        host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var points = new List<MetricPoint>();
        foreach (var point in metrics.Last(m => m.Name == name).GetMetricPoints())
        {
            points.Add(point);
        }
        return points;
    }

    private static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }
        return tags;
    }

    private static async Task<(IHost Host, List<Metric> Metrics)> StartServiceAsync(string meterName)
    {
        var metrics = new List<Metric>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.ConfigureOpenTelemetry();
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(meterName).AddInMemoryExporter(metrics));
        var host = builder.Build();
        await host.StartAsync();
        return (host, metrics);
    }
}
