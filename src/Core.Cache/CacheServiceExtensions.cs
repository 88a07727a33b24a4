using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Cache.Idempotency;
using KafkaPractice.Core.Cache.Members;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace KafkaPractice.Core.Cache;

public static class CacheServiceExtensions
{
    public const string ConnectionName = "redis";

    /// <summary>The service key of the connection the Redis tracing instruments (<see cref="RecordedOnlyProfiling"/>).</summary>
    public const string TracedConnectionKey = "KafkaPractice.Core.Cache.TracedRedis";

    /// <summary>How often the Redis tracing turns the commands it recorded into spans (or drops them).</summary>
    public static readonly TimeSpan RedisTraceFlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Registers the Redis connection (<c>ConnectionStrings:redis</c>) with short timeouts, so a
    /// Redis outage costs a request about a second instead of hanging it, and the caches on top.
    /// Safe to call more than once.
    /// </summary>
    public static IHostApplicationBuilder AddCoreCache(this IHostApplicationBuilder builder)
    {
        if (!builder.Services.Any(d => d.ServiceType == typeof(IConnectionMultiplexer)))
        {
            // Tracing is set up below rather than by the Aspire client, whose copy of the Redis
            // instrumentation does not let the flush interval be set.
            builder.AddRedisClient(ConnectionName, configureSettings: settings => settings.DisableTracing = true, configureOptions: options =>
            {
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 2000;
                options.SyncTimeout = 1000;
                options.AsyncTimeout = 1000;
                options.ConnectRetry = 1;
                // Answers complete on the shared thread pool instead of being handed to the
                // library's own dedicated threads first: one thread switch less per command.
                options.SocketManager = SocketManager.ThreadPool;
            });
            // The Redis instrumentation keeps each command it records, with the request's
            // activity, until its next flush, then makes spans of the traced ones. Its default, a
            // flush every 10 s, kept about 50,000 requests' worth alive at 5,000 requests a
            // second: 78-117 MiB more peak memory in the API (docs/performance.md, "Redis tracing
            // held ten seconds of requests"). Flushed every second, a traced request's Redis span
            // follows it within about a second. And it is handed the connection through
            // RecordedOnlyProfiling, so that it records only the commands of traced requests
            // ("Redis tracing records traced requests only").
            builder.Services.AddKeyedSingleton(TracedConnectionKey,
                (services, _) => RecordedOnlyProfiling.Wrap(services.GetRequiredService<IConnectionMultiplexer>()));
            builder.Services.AddOpenTelemetry().WithTracing(tracing =>
                tracing.AddRedisInstrumentation(name: null, serviceKey: TracedConnectionKey, options => options.FlushInterval = RedisTraceFlushInterval));
        }
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<MemberCache>();
        builder.Services.TryAddSingleton<IdempotencyStore>();
        builder.Services.TryAddSingleton<CouponStock>();
        return builder;
    }
}
