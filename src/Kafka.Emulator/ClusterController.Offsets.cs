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
            // Asked only while every broker is up and answering: the dashboard keeps the offsets last
            // seen, and a fault never leaves the view's requests waiting on a silent broker.
            return new OffsetsDescription([], []);
        }
        if (Reader() is not { } access)
        {
            return new OffsetsDescription([], []);
        }
        var (reader, ports) = access;
        var partitions = cluster.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.Partition))).ToList();
        var ends = await reader.EndOffsetsAsync(partitions).ConfigureAwait(false);
        var committed = new List<CommittedOffsetDescription>();
        foreach (var coordinator in cluster.Coordinators.Where(c => c.KeyType == "group" && ports.ContainsKey(c.BrokerId)))
        {
            foreach (var (tp, offset) in await reader.CommittedOffsetsAsync(coordinator.Key, ports[coordinator.BrokerId], partitions).ConfigureAwait(false) ?? [])
            {
                committed.Add(new CommittedOffsetDescription(coordinator.Key, tp.Topic, tp.Partition.Value, offset));
            }
        }
        return new OffsetsDescription(
            [.. ends.Select(e => new EndOffsetDescription(e.Key.Topic, e.Key.Partition.Value, e.Value))],
            committed);
    }

    /// <summary>
    /// The offsets <paramref name="group"/> committed on <paramref name="partitions"/>, asked of the
    /// broker this controller placed the group's coordinator on; null when the group is unknown or its
    /// coordinator does not answer within <paramref name="timeout"/>.
    /// </summary>
    public async Task<Dictionary<TopicPartition, long>?> CommittedOffsetsAsync(string group, IReadOnlyList<TopicPartition> partitions, TimeSpan timeout)
    {
        int broker;
        lock (_gate)
        {
            if (!_coordinators.TryGetValue(("group", group), out broker))
            {
                return null;
            }
        }
        return Reader() is { } access && access.Ports.TryGetValue(broker, out var port)
            ? await access.Reader.CommittedOffsetsAsync(group, port, partitions, timeout).ConfigureAwait(false)
            : null;
    }

    /// <summary>The mock's own listeners (127.0.0.1, one per broker): what the emulator's own reads go to, past the forwarders and their faults.</summary>
    internal string? InternalBootstrap
    {
        get { lock (_gate) { return _mock?.InternalBootstraps; } }
    }

    private (OffsetsReader Reader, IReadOnlyDictionary<int, int> Ports)? Reader()
    {
        lock (_gate)
        {
            if (_mock is null)
            {
                return null;
            }
            _offsetsReader ??= new OffsetsReader(_mock.InternalBootstraps);
            return (_offsetsReader, _mock.InternalPorts);
        }
    }

    private void DisposeOffsetsReader()
    {
        _offsetsReader?.Dispose();
        _offsetsReader = null;
    }
}
