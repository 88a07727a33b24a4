using System.Collections.Concurrent;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.Messaging.Kafka;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>
/// Rebuilds a campaign's Redis stock from MySQL when its keys are gone (Redis restarted empty, or
/// the keys were evicted or deleted). Until it is done the campaign reserves nothing and the API
/// answers 503. The steps, which together make the rebuild never over-issue:
/// <list type="number">
/// <item>wait until every produce that may have started before the keys vanished has ended: this
/// process's produces for the campaign are counted, and a grace of the delivery timeout covers
/// other API instances;</item>
/// <item>append a marker record to every partition of <c>create_coupon</c> (acks=all): every
/// record a leader took before it, granted or timed out, is replicated before it, even one that
/// has not become visible yet;</item>
/// <item>wait until the coupon consumer group has committed past the markers: MySQL now has every
/// such coupon, and a record that is not there never will be;</item>
/// <item>stage the holders from MySQL, add the requests that failed ambiguously and are not in
/// MySQL (they stay reserved and uncertain), then swap everything in at once.</item>
/// </list>
/// </summary>
public sealed partial class CampaignReconciler(
    IIssuedCoupons coupons,
    CouponStock stock,
    ICouponLog log,
    InFlightCoupons inFlight,
    CouponOptions options,
    ProduceTimeout produceTimeout,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<CampaignReconciler> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _running = new(StringComparer.Ordinal);

    private TimeSpan Grace => TimeSpan.FromMilliseconds(options.RebuildGraceMs ?? (int)produceTimeout.Value.TotalMilliseconds + 1000);

    /// <summary>Starts a rebuild of the campaign unless one is running; returns at once.</summary>
    public void Trigger(Campaign campaign) => _ = RebuildOnceAsync(campaign);

    /// <summary>Starts a rebuild of the campaign unless one is running; the task ends with that rebuild (which may have given up: check the stock).</summary>
    public Task RebuildOnceAsync(Campaign campaign) =>
        _running.GetOrAdd(campaign.Id, _ => new Lazy<Task>(() => Task.Run(() => RebuildAsync(campaign)))).Value;

    private async Task RebuildAsync(Campaign campaign)
    {
        var cancellationToken = lifetime.ApplicationStopping;
        var started = time.GetUtcNow();
        try
        {
            Log.Started(logger, campaign.Id);
            var grace = await GraceAsync(campaign.Id);
            var drainDeadline = started + Grace + Grace;
            while ((inFlight.ProducingCount(campaign.Id) > 0 && time.GetUtcNow() < drainDeadline) || time.GetUtcNow() - started < grace)
            {
                await Task.Delay(100, cancellationToken);
            }

            if ((await stock.CountsAsync(campaign.Id)).Loaded)
            {
                // Another rebuild (in this or another instance) got there first: nothing to do, nothing to write.
                return;
            }
            var markers = await log.MarkEveryPartitionAsync();
            if (!await log.WaitForCommittedAsync(markers, TimeSpan.FromSeconds(options.CatchUpTimeoutSeconds), cancellationToken))
            {
                Log.ConsumerBehind(logger, campaign.Id, options.CatchUpTimeoutSeconds, log.LastLag);
                return;
            }

            var uncertain = inFlight.Uncertain(campaign.Id);
            var landed = await coupons.MembersWithCouponAsync(campaign.Id, uncertain, cancellationToken);
            foreach (var memberId in landed)
            {
                inFlight.ForgetUncertain(campaign.Id, memberId);
            }
            var stillUncertain = uncertain.Where(m => !landed.Contains(m)).ToList();

            var installed = await stock.InstallAsync(campaign.Id, campaign.Stock, coupons.CouponHoldersAsync(campaign.Id, cancellationToken), stillUncertain, cancellationToken);
            var counts = await stock.CountsAsync(campaign.Id);
            Log.Finished(logger, campaign.Id, installed, counts.Taken, campaign.Stock, stillUncertain.Count, (long)(time.GetUtcNow() - started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The next request for the campaign starts another attempt.
            Log.Failed(logger, campaign.Id, ex.Message);
        }
        finally
        {
            _running.TryRemove(campaign.Id, out _);
        }
    }

    /// <summary>
    /// The grace covers produces of other instances that reserved against the keys just lost. When
    /// Redis proves the keys went with its previous server (the campaign was never loaded since it
    /// started, nothing flushed or evicted), those produces started before that server stopped, so
    /// the grace runs from then: right after a restart of the whole system, it is usually over.
    /// </summary>
    private async Task<TimeSpan> GraceAsync(string campaignId)
    {
        TimeSpan? proven;
        try
        {
            proven = await stock.ProvenLossAgeAsync(campaignId);
        }
        catch (CacheUnavailableException)
        {
            proven = null;
        }
        if (proven is not { } lostAgo)
        {
            return Grace;
        }
        var remaining = lostAgo >= Grace ? TimeSpan.Zero : Grace - lostAgo;
        Log.GraceShortened(logger, campaignId, (long)lostAgo.TotalSeconds, (long)remaining.TotalMilliseconds);
        return remaining;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Campaign {CampaignId} was never loaded since Redis started {Seconds} s ago: the rebuild waits {RemainingMs} ms of its grace")]
        public static partial void GraceShortened(ILogger logger, string campaignId, long seconds, long remainingMs);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Campaign {CampaignId} is not in Redis; rebuilding it from MySQL (503 until done)")]
        public static partial void Started(ILogger logger, string campaignId);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Campaign {CampaignId} rebuilt (installed: {Installed}): {Taken} of {Stock} taken, {Uncertain} uncertain, in {ElapsedMs} ms")]
        public static partial void Finished(ILogger logger, string campaignId, bool installed, int taken, int stock, int uncertain, long elapsedMs);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Campaign {CampaignId} not rebuilt: the coupon consumer did not catch up within {Seconds} s ({Lag})")]
        public static partial void ConsumerBehind(ILogger logger, string campaignId, int seconds, string? lag);

        [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Campaign {CampaignId} rebuild failed, will retry on the next request: {Reason}")]
        public static partial void Failed(ILogger logger, string campaignId, string reason);
    }
}
