using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// The mock keeps about 5 MiB or 100,000 batches per partition and silently drops older data.
/// Every <see cref="EmulatorOptions.RetentionCheckSeconds"/> this compares each partition's low
/// watermark (its earliest retained offset) with the committed offset of every known consumer
/// group, and warns when a group's committed position lies below the low watermark: records
/// that group had not yet consumed are gone. Groups that never committed on a partition are
/// reported when the partition has dropped anything at all.
/// </summary>
public sealed partial class RetentionMonitor(
    ClusterController controller,
    IOptions<EmulatorOptions> options,
    ILogger<RetentionMonitor> logger) : BackgroundService
{
    private readonly Dictionary<(string Group, string Topic, int Partition), long> _reported = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = options.Value.RetentionCheckSeconds;
        if (seconds <= 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await Task.Run(CheckOnce, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is KafkaException or InvalidOperationException)
                {
                    LogCheckFailed(ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Runs one comparison; returns the (group, topic, partition, committed, low) findings.</summary>
    public IReadOnlyList<RetentionFinding> CheckOnce()
    {
        var findings = new List<RetentionFinding>();
        if (!controller.IsRunning)
        {
            return findings;
        }
        var cluster = controller.Describe();
        var groups = controller.KnownGroups();
        if (controller.InternalBootstrap is not { } bootstrap)
        {
            return findings;
        }
        // The mock's own listeners: a fault injected at the forwarders (a silent broker) must not stall the check.
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "__kafka-emulator-retention-watch",
            EnableAutoCommit = false,
            SocketTimeoutMs = 5000,
            LogConnectionClose = false,
        };
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        var lows = new Dictionary<TopicPartition, long>();
        foreach (var topic in cluster.Topics)
        {
            foreach (var partition in topic.Partitions.Where(p => p.Leader > 0))
            {
                var tp = new TopicPartition(topic.Name, partition.Partition);
                lows[tp] = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).Low.Value;
            }
        }
        var dropping = lows.Where(kv => kv.Value > 0).Select(kv => kv.Key).ToList();
        if (dropping.Count == 0 || groups.Count == 0)
        {
            return findings;
        }
        foreach (var group in groups)
        {
            // OffsetFetch of the group's coordinator, not the admin client's ListConsumerGroupOffsets:
            // in librdkafka 2.16 that request aborted the emulator when its coordinator went silent
            // (see OffsetsReader.CommittedOffsetsAsync).
            if (controller.CommittedOffsetsAsync(group, dropping, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult() is not { } committedOffsets)
            {
                continue; // its coordinator did not answer: checked again next round
            }
            foreach (var tp in dropping)
            {
                var low = lows[tp];
                long? committed = committedOffsets.TryGetValue(tp, out var offset) ? offset : null;
                if ((committed ?? 0) >= low)
                {
                    continue;
                }
                findings.Add(new RetentionFinding(group, tp.Topic, tp.Partition.Value, committed, low));
                var key = (group, tp.Topic, tp.Partition.Value);
                if (_reported.GetValueOrDefault(key, -1) < low)
                {
                    _reported[key] = low;
                    LogDropped(tp.Topic, tp.Partition.Value, group, committed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none", low);
                }
            }
        }
        return findings;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unconsumed data dropped: {Topic}[{Partition}] now starts at offset {Low}, but group '{Group}' has committed {Committed}. The mock keeps only about 5 MiB or 100,000 batches per partition.")]
    private partial void LogDropped(string topic, int partition, string group, string committed, long low);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retention check failed")]
    private partial void LogCheckFailed(Exception ex);
}

public sealed record RetentionFinding(string Group, string Topic, int Partition, long? Committed, long LowWatermark);
