using System.Runtime.CompilerServices;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Data.Coupons;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// Loads campaign <c>default</c> into Redis right after start when it is not there yet (a fresh
/// system, or Redis restarted empty), so the seed endpoint's first caller is not answered 503
/// while the stock is rebuilt. Until it is done the API is not ready (<see cref="WarmUpHealthCheck"/>):
/// "healthy" means "serving". It retries while Redis, MySQL or the coupon consumer are not there
/// yet, for <see cref="CouponOptions.WarmUpTimeoutSeconds"/> at most; then it gives up (the first
/// request starts the same rebuild) and the API reports Degraded rather than waiting forever.
/// </summary>
public sealed partial class DefaultCampaignWarmUp(
    CampaignStore store,
    CouponStock stock,
    CampaignReconciler reconciler,
    CouponOptions options,
    TimeProvider time,
    ILogger<DefaultCampaignWarmUp> logger) : BackgroundService
{
    private volatile StrongBox<HealthCheckResult>? _outcome;

    /// <summary>Null while warming up; then Healthy (loaded, or nothing to load) or Degraded (gave up).</summary>
    public HealthCheckResult? Outcome => _outcome?.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var deadline = time.GetUtcNow().AddSeconds(options.WarmUpTimeoutSeconds);
        string reason;
        while (true)
        {
            try
            {
                var campaign = await store.FindAsync(Campaign.DefaultId, stoppingToken);
                if (campaign is null)
                {
                    _outcome = new(HealthCheckResult.Healthy("No campaign 'default' to load."));
                    return;
                }
                if (!(await stock.CountsAsync(campaign.Id)).Loaded)
                {
                    await reconciler.RebuildOnceAsync(campaign);
                }
                if ((await stock.CountsAsync(campaign.Id)).Loaded)
                {
                    _outcome = new(HealthCheckResult.Healthy("Campaign 'default' is loaded."));
                    return;
                }
                reason = "the rebuild did not finish";
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                reason = ex.Message;
            }
            if (time.GetUtcNow() >= deadline)
            {
                Log.GaveUp(logger, options.WarmUpTimeoutSeconds, reason);
                _outcome = new(HealthCheckResult.Degraded($"Campaign 'default' not preloaded ({reason}); the first request will load it."));
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "Campaign default not preloaded within {Seconds} s ({Reason}); the first request will load it")]
        public static partial void GaveUp(ILogger logger, int seconds, string reason);
    }
}

/// <summary>
/// Readiness: not ready until the start-up warm-up is done, then what it ended with. A later Redis
/// loss does not change it (registrations keep being served; the coupon flow answers 503 and
/// rebuilds on its own). While warming it reports Degraded with <see cref="WarmingKey"/> in its
/// data, not Unhealthy: the framework logs an Unhealthy result at Error level, and an expected
/// wait at every start is no error. <c>/health</c> still answers 503 then
/// (<c>ReadinessExtensions</c> reads the flag), so "healthy" keeps meaning "serving".
/// </summary>
public sealed class WarmUpHealthCheck(DefaultCampaignWarmUp warmUp) : IHealthCheck
{
    public const string Name = "warm-up";

    /// <summary>Set (true) in the result's data while the warm-up runs.</summary>
    public const string WarmingKey = "warming";

    private static readonly IReadOnlyDictionary<string, object> Warming = new Dictionary<string, object> { [WarmingKey] = true };

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(warmUp.Outcome ?? HealthCheckResult.Degraded("Warming up: campaign 'default' is being loaded.", data: Warming));

    /// <summary>True when the report says the warm-up has not finished.</summary>
    public static bool IsWarming(HealthReport report) =>
        report.Entries.TryGetValue(Name, out var entry) && entry.Data.TryGetValue(WarmingKey, out var warming) && warming is true;
}
