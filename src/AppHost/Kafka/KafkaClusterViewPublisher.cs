using System.Collections.Immutable;
using Confluent.Kafka;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Publishes <see cref="KafkaClusterView"/> in the details of one resource, in both modes: leaders and
/// in-sync replicas as soon as they are known, with the offsets last seen (reading offsets takes a
/// round trip to every partition's leader and group coordinator), and only when something changed.
/// </summary>
internal sealed class KafkaClusterViewPublisher(ResourceNotificationService notifications, IResource target)
{
    private readonly Dictionary<TopicPartition, long> _endOffsets = [];
    private readonly Dictionary<string, IReadOnlyDictionary<TopicPartition, long>> _committed = new(StringComparer.Ordinal);
    private ImmutableArray<ResourcePropertySnapshot> _published = [];

    public Task PublishAsync(ClusterSnapshot cluster) =>
        PublishAsync(KafkaClusterView.Properties(cluster, _endOffsets, _committed));

    /// <summary>Keeps what answered; a partition or group that did not answer this round keeps its last value.</summary>
    public void Record(ClusterOffsets offsets)
    {
        foreach (var (partition, end) in offsets.EndOffsets)
        {
            _endOffsets[partition] = end;
        }
        foreach (var (group, committed) in offsets.Committed)
        {
            _committed[group] = committed;
        }
    }

    /// <summary>Forgets every offset (the emulator restarts with an empty cluster).</summary>
    public void Forget()
    {
        _endOffsets.Clear();
        _committed.Clear();
    }

    private async Task PublishAsync(ImmutableArray<ResourcePropertySnapshot> view)
    {
        if (view.SequenceEqual(_published, PropertyComparer.Instance))
        {
            return;
        }
        _published = view;
        await notifications.PublishUpdateAsync(target, s => s with { Properties = KafkaClusterView.Merge(s.Properties, view) });
    }

    private sealed class PropertyComparer : IEqualityComparer<ResourcePropertySnapshot>
    {
        public static readonly PropertyComparer Instance = new();

        public bool Equals(ResourcePropertySnapshot? x, ResourcePropertySnapshot? y) =>
            x?.Name == y?.Name && Equals(x?.Value, y?.Value);

        public int GetHashCode(ResourcePropertySnapshot obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
