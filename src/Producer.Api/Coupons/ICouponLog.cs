using Confluent.Kafka;

namespace KafkaPractice.Producer.Api.Coupons;

/// <summary>Where <c>create_coupon</c> stands for the coupon consumer group: what settling and rebuilding wait on (see <see cref="KafkaCouponLog"/>).</summary>
public interface ICouponLog
{
    /// <summary>
    /// Appends a marker on the partition of each record key (acks=all) and returns, per partition,
    /// the offset just past the last one: once the group has committed that far, every record the
    /// leader took before the marker on that partition has been processed, or never will be.
    /// </summary>
    Task<IReadOnlyList<TopicPartitionOffset>> MarkAsync(IReadOnlyCollection<string> recordKeys);

    /// <summary>The same on every partition of the topic.</summary>
    Task<IReadOnlyList<TopicPartitionOffset>> MarkEveryPartitionAsync();

    /// <summary>True once the group's committed offset reaches <paramref name="positions"/> on every partition; false at the timeout.</summary>
    Task<bool> WaitForCommittedAsync(IReadOnlyList<TopicPartitionOffset> positions, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>What the last wait saw lagging, for the log when it gives up.</summary>
    string? LastLag { get; }
}

/// <summary>The coupon rows in MySQL that settling and rebuilding read.</summary>
public interface IIssuedCoupons
{
    Task<HashSet<long>> MembersWithCouponAsync(string campaignId, IReadOnlyCollection<long> memberIds, CancellationToken cancellationToken);

    IAsyncEnumerable<IReadOnlyCollection<long>> CouponHoldersAsync(string campaignId, CancellationToken cancellationToken);
}
