using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Data.Coupons;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// Loads campaign <c>default</c> into Redis right after start when it is not there yet (a fresh
/// system, or Redis restarted empty), so the seed endpoint's first caller does not wait out the
/// rebuild's grace period. Best effort: if Redis or MySQL cannot answer now, the first request
/// starts the same rebuild.
/// </summary>
internal sealed partial class DefaultCampaignWarmUp(
    CampaignStore store,
    CouponStock stock,
    CampaignReconciler reconciler,
    ILogger<DefaultCampaignWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var campaign = await store.FindAsync(Campaign.DefaultId, stoppingToken);
            if (campaign is not null && !(await stock.CountsAsync(campaign.Id)).Loaded)
            {
                reconciler.Trigger(campaign);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Log.Skipped(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Campaign default not preloaded ({Reason}); the first request will load it")]
        public static partial void Skipped(ILogger logger, string reason);
    }
}
