using System.Collections.Concurrent;
using KafkaPractice.Kafka.Emulator.Wire;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// The cluster-wide signal that records were written: every forwarder reports the partitions of
/// each Produce the mock has answered, and wakes the Fetch requests held for those partitions
/// on any broker (a partition's leader can move while a fetch waits).
/// </summary>
internal sealed class RecordArrivals
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];
    private readonly ConcurrentDictionary<Guid, string> _topicNames = new();

    /// <summary>Topic ids and names, as Metadata answers passing through the forwarders carry them (Fetch v13+ names topics by id, Produce by name).</summary>
    public void Learn(List<MetadataTopic> topics)
    {
        foreach (var topic in topics)
        {
            if (topic.Id != Guid.Empty)
            {
                _topicNames[topic.Id] = topic.Name;
            }
        }
    }

    /// <summary>
    /// Starts waiting for records in <paramref name="partitions"/> (an empty list waits for any).
    /// Register before the Fetch goes to the mock, so no write that follows it is missed.
    /// </summary>
    public Waiter Register(IReadOnlyList<FetchedPartition> partitions)
    {
        var named = new List<FetchedPartition>(partitions.Count);
        foreach (var partition in partitions)
        {
            named.Add(partition.Topic is null && _topicNames.TryGetValue(partition.TopicId, out var name) ? partition with { Topic = name } : partition);
        }
        var waiter = new Waiter(this, named);
        lock (_gate)
        {
            _waiters.Add(waiter);
        }
        return waiter;
    }

    /// <summary>Records were written to <paramref name="partitions"/> (null: to partitions not known, which wakes every fetch).</summary>
    public void Written(IReadOnlyList<(string Topic, int Partition)>? partitions)
    {
        List<Waiter>? woken = null;
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (partitions is null || _waiters[i].Matches(partitions))
                {
                    (woken ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }
        if (woken is null)
        {
            return;
        }
        foreach (var waiter in woken)
        {
            waiter.Wake();
        }
    }

    /// <summary>How many fetches are waiting now.</summary>
    public int Waiting
    {
        get { lock (_gate) { return _waiters.Count; } }
    }

    private void Remove(Waiter waiter)
    {
        lock (_gate)
        {
            _waiters.Remove(waiter);
        }
    }

    internal sealed class Waiter(RecordArrivals owner, IReadOnlyList<FetchedPartition> partitions) : IDisposable
    {
        private readonly TaskCompletionSource _woken = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when records arrive in one of the partitions.</summary>
        public Task Woken => _woken.Task;

        /// <summary>
        /// A partition whose topic id no Metadata answer has named yet is matched on its number
        /// alone: a write to another topic's partition of that number wakes the fetch for one more
        /// (empty) round trip to the mock, never too late.
        /// </summary>
        public bool Matches(IReadOnlyList<(string Topic, int Partition)> written)
        {
            if (partitions.Count == 0)
            {
                return true;
            }
            foreach (var fetched in partitions)
            {
                foreach (var (topic, partition) in written)
                {
                    if (fetched.Partition == partition && (fetched.Topic is null || string.Equals(fetched.Topic, topic, StringComparison.Ordinal)))
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        public void Wake() => _woken.TrySetResult();

        public void Dispose() => owner.Remove(this);
    }
}
