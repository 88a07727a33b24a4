using Confluent.Kafka;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>What <c>GET /offsets</c> answers: end offsets per partition, committed offsets per group.</summary>
public sealed record OffsetsDescription(IReadOnlyList<EndOffsetDescription> EndOffsets, IReadOnlyList<CommittedOffsetDescription> Committed);

public sealed record EndOffsetDescription(string Topic, int Partition, long EndOffset);

public sealed record CommittedOffsetDescription(string Group, string Topic, int Partition, long Offset);

public sealed partial class ClusterController
{
    private OffsetsReader? _offsetsReader;

    /// <summary>End offsets of every known topic and the committed offsets of every known group.</summary>
    public async Task<OffsetsDescription> OffsetsAsync()
    {
        var cluster = Describe();
        if (cluster.Brokers.Any(b => !b.Up || b.DroppingResponses))
        {
            // Asked only while every broker is up and answering: librdkafka's admin requests that
            // time out against a stopped or silent broker crashed the process (an assertion in
            // rd_kafka_enq_once) in the fault tests. The dashboard keeps the offsets last seen.
            return new OffsetsDescription([], []);
        }
        string bootstrap;
        lock (_gate)
        {
            if (_mock is null)
            {
                return new OffsetsDescription([], []);
            }
            bootstrap = _mock.InternalBootstraps;
        }
        var reader = _offsetsReader ??= new OffsetsReader(bootstrap);
        var partitions = cluster.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.Partition))).ToList();
        var ends = await reader.EndOffsetsAsync(partitions).ConfigureAwait(false);
        var committed = new List<CommittedOffsetDescription>();
        foreach (var group in cluster.Coordinators.Where(c => c.KeyType == "group").Select(c => c.Key))
        {
            foreach (var (tp, offset) in await reader.CommittedOffsetsAsync(group, partitions).ConfigureAwait(false))
            {
                committed.Add(new CommittedOffsetDescription(group, tp.Topic, tp.Partition.Value, offset));
            }
        }
        return new OffsetsDescription(
            [.. ends.Select(e => new EndOffsetDescription(e.Key.Topic, e.Key.Partition.Value, e.Value))],
            committed);
    }

    private void DisposeOffsetsReader()
    {
        _offsetsReader?.Dispose();
        _offsetsReader = null;
    }
}
