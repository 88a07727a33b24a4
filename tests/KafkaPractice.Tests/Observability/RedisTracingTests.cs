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
using StackExchange.Redis.Profiling;

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

    [Fact]
    public async Task Only_the_commands_of_recorded_traces_and_those_outside_any_trace_are_profiled()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        var seenBy = new ProfilingSession();
        var asked = 0;
        // What the instrumentation does with the connection it is handed: registers its profiler.
        RecordedOnlyProfiling.Wrap(connection).RegisterProfiler(() =>
        {
            Interlocked.Increment(ref asked);
            return seenBy;
        });
        var database = connection.GetDatabase();
        var key = $"redis-tracing-test:{Guid.NewGuid():N}";

        using (var source = new ActivitySource($"redis-tracing-test-{Guid.NewGuid():N}"))
        using (var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> o) =>
                o.Name == "recorded" ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData,
        })
        {
            ActivitySource.AddActivityListener(listener);
            using (var unrecorded = source.StartActivity("left-out"))
            {
                Assert.False(unrecorded!.Recorded);
                await database.StringSetAsync(key, "left-out");
            }
            Assert.Equal(0, Volatile.Read(ref asked));
            Assert.Empty(seenBy.FinishProfiling());

            using (var recorded = source.StartActivity("recorded"))
            {
                Assert.True(recorded!.Recorded);
                await database.StringSetAsync(key, "recorded");
            }
        }
        Assert.Null(Activity.Current);
        await database.StringGetAsync(key);

        Assert.Equal(["SET", "GET"], seenBy.FinishProfiling().Select(c => c.Command));
        // Everything else goes to the connection itself.
        var proxy = RecordedOnlyProfiling.Wrap(connection);
        Assert.Equal("recorded", (string?)await proxy.GetDatabase().StringGetAsync(key));
        Assert.Equal(connection.ClientName, proxy.ClientName);
        Assert.Throws<ArgumentNullException>(() => proxy.GetServer((System.Net.EndPoint)null!));
    }

    private sealed class Capture(ConcurrentQueue<Activity> spans) : BaseProcessor<Activity>
    {
        public override void OnEnd(Activity data) => spans.Enqueue(data);
    }
}
