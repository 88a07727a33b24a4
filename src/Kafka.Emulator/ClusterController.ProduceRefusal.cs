using KafkaPractice.Kafka.Emulator.Native;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// The min.insync.replicas rule: a cluster-wide stack of NOT_ENOUGH_REPLICAS errors for Produce
/// requests while any partition has fewer live replicas than its topic requires.
/// </summary>
public sealed partial class ClusterController
{
    private bool _produceRefused;
    private long _producesSinceStackPush;

    /// <summary>
    /// Refuses every ProduceRequest with NOT_ENOUGH_REPLICAS while any partition has fewer live
    /// replicas than its topic's min.insync.replicas (cluster-wide: the mock has no usable
    /// per-partition switch), and lifts the refusal when none is below the minimum.
    /// </summary>
    private void UpdateProduceRefusalLocked()
    {
        var mock = RequireMock();
        var under = _topics.Any(t => t.Partitions.Any(p => p.Replicas.Count(IsUp) < t.MinInSyncReplicas));
        if (under && !_produceRefused)
        {
            mock.PushRequestErrors(MockApi.ProduceApiKey, MockApi.NotEnoughReplicas, _options.RefusalStackSize);
            Interlocked.Exchange(ref _producesSinceStackPush, 0);
            _produceRefused = true;
        }
        else if (!under && _produceRefused)
        {
            mock.ClearRequestErrors(MockApi.ProduceApiKey);
            _produceRefused = false;
        }
    }

    private void OnProduceRequest()
    {
        if (!Volatile.Read(ref _produceRefused))
        {
            return;
        }
        var count = Interlocked.Increment(ref _producesSinceStackPush);
        if (count < _options.RefusalStackSize / 2)
        {
            return;
        }
        lock (_gate)
        {
            if (_produceRefused && Interlocked.Read(ref _producesSinceStackPush) >= _options.RefusalStackSize / 2)
            {
                // Top the stack up well before it runs out.
                RequireMock().PushRequestErrors(MockApi.ProduceApiKey, MockApi.NotEnoughReplicas, _options.RefusalStackSize / 2);
                Interlocked.Add(ref _producesSinceStackPush, -(_options.RefusalStackSize / 2));
            }
        }
    }
}
