using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Cache.Idempotency;
using KafkaPractice.Core.Cache.Members;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace KafkaPractice.Core.Cache;

public static class CacheServiceExtensions
{
    public const string ConnectionName = "redis";

    /// <summary>
    /// Registers the Redis connection (<c>ConnectionStrings:redis</c>) with short timeouts, so a
    /// Redis outage costs a request about a second instead of hanging it, and the caches on top.
    /// Safe to call more than once.
    /// </summary>
    public static IHostApplicationBuilder AddCoreCache(this IHostApplicationBuilder builder)
    {
        if (!builder.Services.Any(d => d.ServiceType == typeof(IConnectionMultiplexer)))
        {
            builder.AddRedisClient(ConnectionName, configureOptions: options =>
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
        }
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<MemberCache>();
        builder.Services.TryAddSingleton<IdempotencyStore>();
        builder.Services.TryAddSingleton<CouponStock>();
        return builder;
    }
}
