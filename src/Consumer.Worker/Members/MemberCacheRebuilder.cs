using System.Runtime.CompilerServices;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace KafkaPractice.Consumer.Worker.Members;

/// <summary>
/// Keeps the Redis member cache complete: fills it from MySQL at start, and again whenever its
/// "built" marker is gone (Redis restarted without its data). The consumer adds new members as
/// it writes them, so between rebuilds the cache only grows.
/// </summary>
public sealed partial class MemberCacheRebuilder(
    IServiceScopeFactory scopes,
    MemberCache cache,
    TimeProvider time,
    ILogger<MemberCacheRebuilder> logger) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(15);
    private const int PageSize = 5000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        do
        {
            try
            {
                if (!await cache.IsBuiltAsync())
                {
                    var count = 0;
                    await cache.RebuildAsync(ReadMembers(c => count += c, stoppingToken), time.GetUtcNow(), stoppingToken);
                    Log.Rebuilt(logger, count);
                }
            }
            catch (Exception ex) when (ex is CacheUnavailableException or InvalidOperationException or MySqlConnector.MySqlException or TimeoutException)
            {
                Log.RebuildFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async IAsyncEnumerable<IReadOnlyCollection<(long MemberId, string EmailKey)>> ReadMembers(
        Action<int> counted, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long after = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var page = await db.Members.AsNoTracking()
                .Where(m => m.Id > after)
                .OrderBy(m => m.Id)
                .Take(PageSize)
                .Select(m => new { m.Id, m.EmailKey })
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }
            counted(page.Count);
            after = page[^1].Id;
            yield return page.Select(m => (m.Id, m.EmailKey)).ToList();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Member cache rebuilt from MySQL: {Count} member(s)")]
        public static partial void Rebuilt(ILogger logger, int count);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Member cache rebuild failed, will retry: {Reason}")]
        public static partial void RebuildFailed(ILogger logger, string reason);
    }
}
