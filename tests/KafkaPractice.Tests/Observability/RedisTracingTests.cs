using System.Collections.Concurrent;
using System.Diagnostics;
using KafkaPractice.Core.Cache;
using KafkaPractice.Tests.Coupons;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Observability;

/// <summary>
/// The Redis tracing holds each command it records until its next flush; the services flush
/// every second (<see cref="CacheServiceExtensions.RedisTraceFlushInterval"/>), so a traced
/// request's Redis span follows it within about a second, and untraced requests' commands are not
/// kept for ten (docs/observability.md).
/// </summary>
public sealed class RedisTracingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task A_traced_requests_redis_command_becomes_a_span_of_it_within_seconds_not_at_the_libraries_ten_second_flush()
    {
        using var source = new ActivitySource($"redis-tracing-test-{Guid.NewGuid():N}");
        var spans = new ConcurrentQueue<Activity>();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{CacheServiceExtensions.ConnectionName}"] = $"127.0.0.1:{redis.Port}",
        });
        builder.ConfigureOpenTelemetry();
        builder.AddCoreCache();
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(source.Name).AddProcessor(new Capture(spans)));
        using var host = builder.Build();
        await host.StartAsync();
        var database = host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        ActivitySpanId requestSpan;
        using (var request = source.StartActivity("request"))
        {
            Assert.True(request!.Recorded);
            requestSpan = request.SpanId;
            await database.StringSetAsync($"redis-tracing-test:{Guid.NewGuid():N}", "1", TimeSpan.FromMinutes(1));
        }

        // The library's own default (10 s) would first flush about ten seconds after the start.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!spans.Any(s => s.ParentSpanId == requestSpan && s.DisplayName == "SETEX"))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"No SETEX span under the request within 5 s; spans seen: {string.Join(", ", spans.Select(s => s.DisplayName))}");
            await Task.Delay(100);
        }
        await host.StopAsync();
    }

    private sealed class Capture(ConcurrentQueue<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Enqueue(data);
    }
}
