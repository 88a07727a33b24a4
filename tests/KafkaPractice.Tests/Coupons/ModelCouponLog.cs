extern alias api;

using System.Runtime.CompilerServices;
using api::KafkaPractice.Producer.Api.Coupons;
using Confluent.Kafka;
using KafkaPractice.Messaging;

namespace KafkaPractice.Tests.Coupons;

/// <summary>
/// A model of <c>create_coupon</c> as its leaders see it under <c>acks=all</c>, with the coupon
/// consumer and its MySQL rows behind it, for the timing librdkafka's mock never produces: a
/// record the leader appended but the followers do not have yet stays invisible (the high
/// watermark stops below it, and so does everything after it on its partition) for as long as the
/// test holds it, which in real Kafka can outlast the producer's timeout (up to
/// <c>replica.lag.time.max.ms</c>, 30 s by default). A record produced later on the same partition
/// is acknowledged only once the followers have it, and so everything before it: replication is
/// in log order.
/// </summary>
internal sealed class ModelCouponLog : ICouponLog, IIssuedCoupons
{
    private const int PartitionCount = 3;
    private readonly Lock _gate = new();
    private readonly List<Entry>[] _partitions = Enumerable.Range(0, PartitionCount).Select(_ => new List<Entry>()).ToArray();
    private readonly long[] _committed = new long[PartitionCount];
    private readonly HashSet<(string CampaignId, long MemberId)> _rows = [];

    public string? LastLag => null;

    public IReadOnlyCollection<(string CampaignId, long MemberId)> Rows
    {
        get { lock (_gate) { Consume(); return _rows.ToList(); } }
    }

    /// <summary>A coupon record whose produce timed out: the leader has it, the followers do not yet.</summary>
    public void AppendHeld(string campaignId, long memberId)
    {
        lock (_gate)
        {
            _partitions[PartitionOf(campaignId, memberId)].Add(new Entry(campaignId, memberId, Held: true));
        }
    }

    /// <summary>A coupon record acknowledged with acks=all: visible at once. Returns its offset.</summary>
    public TopicPartitionOffset Append(string campaignId, long memberId)
    {
        lock (_gate)
        {
            var partition = PartitionOf(campaignId, memberId);
            _partitions[partition].Add(new Entry(campaignId, memberId, Held: false));
            return Position(partition, _partitions[partition].Count - 1);
        }
    }

    /// <summary>The followers caught up at last: every record is visible and the consumer writes it.</summary>
    public void ReleaseAll()
    {
        lock (_gate)
        {
            foreach (var partition in _partitions)
            {
                for (var i = 0; i < partition.Count; i++)
                {
                    partition[i] = partition[i] with { Held = false };
                }
            }
            Consume();
        }
    }

    /// <summary>A marker per key, each acknowledged with acks=all: the records before it on its partition are replicated first.</summary>
    public Task<IReadOnlyList<TopicPartitionOffset>> MarkAsync(IReadOnlyCollection<string> recordKeys)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TopicPartitionOffset>>(
                recordKeys.Select(key => Append(PartitionOfKey(key))).ToList());
        }
    }

    public Task<IReadOnlyList<TopicPartitionOffset>> MarkEveryPartitionAsync()
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TopicPartitionOffset>>(
                Enumerable.Range(0, PartitionCount).Select(Append).ToList());
        }
    }

    public Task<bool> WaitForCommittedAsync(IReadOnlyList<TopicPartitionOffset> positions, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Consume();
            return Task.FromResult(positions.All(p => _committed[p.Partition.Value] >= p.Offset.Value));
        }
    }

    public Task<HashSet<long>> MembersWithCouponAsync(string campaignId, IReadOnlyCollection<long> memberIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.Where(r => r.CampaignId == campaignId && memberIds.Contains(r.MemberId)).Select(r => r.MemberId).ToHashSet());
        }
    }

    public async IAsyncEnumerable<IReadOnlyCollection<long>> CouponHoldersAsync(string campaignId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        List<long> holders;
        lock (_gate)
        {
            holders = _rows.Where(r => r.CampaignId == campaignId).Select(r => r.MemberId).ToList();
        }
        yield return holders;
    }

    private TopicPartitionOffset Append(int partition)
    {
        var log = _partitions[partition];
        log.Add(new Entry(null, 0, Held: false));
        // Acknowledged with acks=all: the followers have replicated the whole log up to the marker.
        for (var i = 0; i < log.Count; i++)
        {
            log[i] = log[i] with { Held = false };
        }
        return Position(partition, log.Count);
    }

    /// <summary>The coupon consumer: writes every visible coupon record and commits past it.</summary>
    private void Consume()
    {
        for (var p = 0; p < PartitionCount; p++)
        {
            var end = VisibleEnd(p);
            foreach (var entry in _partitions[p].Take(end).Where(e => e.CampaignId is not null))
            {
                _rows.Add((entry.CampaignId!, entry.MemberId));
            }
            _committed[p] = end;
        }
    }

    private int VisibleEnd(int partition)
    {
        var firstHeld = _partitions[partition].FindIndex(e => e.Held);
        return firstHeld < 0 ? _partitions[partition].Count : firstHeld;
    }

    private static TopicPartitionOffset Position(int partition, long offset) =>
        new(KafkaTopology.CreateCoupon, new Partition(partition), new Offset(offset));

    private static int PartitionOf(string campaignId, long memberId) =>
        PartitionOfKey(global::KafkaPractice.Messaging.Coupons.CouponRequested.ToRecordKey(campaignId, memberId));

    private static int PartitionOfKey(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % PartitionCount);

    private sealed record Entry(string? CampaignId, long MemberId, bool Held);
}
