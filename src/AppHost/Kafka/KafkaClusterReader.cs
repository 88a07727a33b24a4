using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaPractice.Messaging;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Reads a Kafka cluster as any client does: Confluent.Kafka's admin client on the bootstrap list
/// (Containers mode: the brokers' host listeners, <c>kafka</c>'s connection string). One per cluster,
/// shared by the start-up (<see cref="KafkaClusterStartup"/>), the health check
/// (<see cref="KafkaClusterHealthCheck"/>) and the dashboard view (<see cref="KafkaClusterMonitor"/>).
/// It reads only: metadata, ListOffsets (end offsets), ListGroups and, through a consumer per group
/// that never joins, OffsetFetch (committed offsets).
/// </summary>
/// <param name="bootstrap">The bootstrap list, asked for on first use.</param>
/// <param name="listGroups">
/// Whether to ask the cluster for its consumer groups (ListGroups). Real brokers answer it; the
/// emulator's mock brokers do not, and librdkafka 2.16 asking them anyway crashed the calling process
/// (docs/kafka-emulator.md, "What works with which client"), so a reader pointed at the emulator reads
/// only the groups it is given.
/// </param>
internal sealed class KafkaClusterReader(Func<CancellationToken, ValueTask<string?>> bootstrap, bool listGroups = true) : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private const int MaxGroupConsumers = 32;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly OrderedDictionary<string, IConsumer<Ignore, Ignore>> _groupConsumers = new(StringComparer.Ordinal);
    private IAdminClient? _admin;
    private string? _servers;

    public KafkaClusterReader(IResourceWithConnectionString cluster)
        : this(ct => cluster.ConnectionStringExpression.GetValueAsync(ct))
    {
    }

    /// <summary>The admin client, built on first use (the bootstrap list is known once the endpoints are allocated).</summary>
    public async Task<IAdminClient> AdminAsync(CancellationToken ct)
    {
        if (_admin is { } admin)
        {
            return admin;
        }
        await _gate.WaitAsync(ct);
        try
        {
            var servers = await bootstrap(ct) ?? throw new InvalidOperationException("The Kafka cluster has no bootstrap list yet.");
            _servers = servers;
            // A stopped broker makes librdkafka log every reconnect attempt; what matters reaches the
            // callers as errors, and the health check and the view say it in the dashboard.
            return _admin ??= new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers, SocketTimeoutMs = 5000 })
                .SetLogHandler((_, _) => { })
                .SetErrorHandler((_, _) => { })
                .Build();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The cluster's metadata (brokers up, every topic's partitions); throws <see cref="KafkaException"/> when no broker answers.</summary>
    public async Task<Metadata> MetadataAsync(CancellationToken ct)
    {
        var admin = await AdminAsync(ct);
        return await Task.Run(() => admin.GetMetadata(RequestTimeout), ct);
    }

    /// <summary>The partitions, leaders, replicas and in-sync replicas as the dashboard shows them.</summary>
    public async Task<ClusterSnapshot> DescribeAsync(KafkaTopology topology, CancellationToken ct) =>
        ClusterSnapshot.FromMetadata(await MetadataAsync(ct), topology);

    /// <summary>
    /// End offsets of <paramref name="partitions"/>, and the offsets every consumer group committed on
    /// them: the groups the cluster lists (ListGroups) plus <paramref name="knownGroups"/> (a cluster that
    /// does not answer ListGroups, such as the emulator's mock brokers, still answers for a named group).
    /// What did not answer in time is left out; the view shows it as last seen.
    /// </summary>
    public async Task<ClusterOffsets> OffsetsAsync(IReadOnlyList<TopicPartition> partitions, IEnumerable<string> knownGroups, CancellationToken ct)
    {
        var admin = await AdminAsync(ct);
        var ends = await EndOffsetsAsync(admin, partitions);
        var listed = await ConsumerGroupsAsync(admin) ?? [];
        var committed = new Dictionary<string, IReadOnlyDictionary<TopicPartition, long>>(StringComparer.Ordinal);
        foreach (var group in listed.Concat(knownGroups).Distinct(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var offsets = await CommittedOffsetsAsync(_servers!, group, partitions);
            if (offsets.Count > 0)
            {
                committed[group] = offsets;
            }
        }
        return new ClusterOffsets(ends, committed);
    }

    /// <summary>The cluster's consumer groups, or null when this reader does not list groups or the cluster does not answer.</summary>
    public async Task<IReadOnlyList<string>?> ConsumerGroupsAsync(CancellationToken ct) => await ConsumerGroupsAsync(await AdminAsync(ct));

    private async Task<IReadOnlyList<string>?> ConsumerGroupsAsync(IAdminClient admin)
    {
        if (!listGroups)
        {
            return null;
        }
        try
        {
            var result = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { RequestTimeout = RequestTimeout });
            return [.. result.Valid.Select(g => g.GroupId)];
        }
        catch (ListConsumerGroupsException ex) when (ex.Results.Valid.Count > 0)
        {
            return [.. ex.Results.Valid.Select(g => g.GroupId)]; // some brokers answered
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    private static async Task<Dictionary<TopicPartition, long>> EndOffsetsAsync(IAdminClient admin, IReadOnlyList<TopicPartition> partitions)
    {
        var result = new Dictionary<TopicPartition, long>();
        if (partitions.Count == 0)
        {
            return result;
        }
        IEnumerable<ListOffsetsResultInfo> infos;
        try
        {
            infos = (await admin.ListOffsetsAsync(
                partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Latest() }),
                new ListOffsetsOptions { RequestTimeout = RequestTimeout })).ResultInfos;
        }
        catch (ListOffsetsException ex)
        {
            infos = ex.Result.ResultInfos; // some partitions answered
        }
        catch (KafkaException)
        {
            return result; // leaders moving or unreachable
        }
        foreach (var info in infos.Select(i => i.TopicPartitionOffsetError).Where(e => e.Error.Code == ErrorCode.NoError && e.Offset.Value >= 0))
        {
            result[info.TopicPartition] = info.Offset.Value;
        }
        return result;
    }

    /// <summary>
    /// The offsets <paramref name="group"/> committed on <paramref name="partitions"/>, read with
    /// OffsetFetch by a consumer that carries the group's id and never joins it (no subscription, no
    /// assignment), kept per group.
    /// </summary>
    /// <remarks>
    /// Not the admin client's ListConsumerGroupOffsets: in librdkafka 2.16 a coordinator-bound admin
    /// request that fails to send or times out (the coordinator's broker stopped or silent, exactly what a
    /// learner does from the dashboard) can free its completion twice and abort the calling process
    /// (<c>rd_kafka_enq_once_del_source_return: Assertion `eonce-&gt;refcnt &gt; 0' failed</c>,
    /// confluentinc/librdkafka#4605); here that process is the AppHost. A consumer's committed-offsets
    /// request takes the consumer group's own coordinator path instead.
    /// </remarks>
    private async Task<Dictionary<TopicPartition, long>> CommittedOffsetsAsync(string servers, string group, IReadOnlyList<TopicPartition> partitions)
    {
        var result = new Dictionary<TopicPartition, long>();
        if (partitions.Count == 0)
        {
            return result;
        }
        var consumer = GroupConsumer(servers, group);
        try
        {
            var committed = await Task.Run(() => consumer.Committed(partitions, RequestTimeout));
            foreach (var offset in committed.Where(o => o.Offset.Value >= 0))
            {
                result[offset.TopicPartition] = offset.Offset.Value;
            }
        }
        catch (TopicPartitionOffsetException ex)
        {
            foreach (var offset in ex.Results.Where(o => o.Error.Code == ErrorCode.NoError && o.Offset.Value >= 0))
            {
                result[offset.TopicPartition] = offset.Offset.Value; // some partitions answered
            }
        }
        catch (KafkaException)
        {
            // Coordinator moving or unreachable: shown as last seen.
        }
        return result;
    }

    private IConsumer<Ignore, Ignore> GroupConsumer(string servers, string group)
    {
        lock (_groupConsumers)
        {
            if (_groupConsumers.TryGetValue(group, out var known))
            {
                _groupConsumers.Remove(group);
                _groupConsumers.Add(group, known); // most recently used last
                return known;
            }
            if (_groupConsumers.Count >= MaxGroupConsumers)
            {
                var oldest = _groupConsumers.First();
                _groupConsumers.Remove(oldest.Key);
                oldest.Value.Dispose();
            }
            var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
            {
                BootstrapServers = servers,
                GroupId = group,
                EnableAutoCommit = false,
                SocketTimeoutMs = 5000,
            }).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
            _groupConsumers.Add(group, consumer);
            return consumer;
        }
    }

    public void Dispose()
    {
        _admin?.Dispose();
        lock (_groupConsumers)
        {
            foreach (var consumer in _groupConsumers.Values)
            {
                consumer.Dispose();
            }
            _groupConsumers.Clear();
        }
        _gate.Dispose();
    }
}

/// <summary>End offsets per partition and committed offsets per consumer group and partition.</summary>
internal sealed record ClusterOffsets(
    IReadOnlyDictionary<TopicPartition, long> EndOffsets,
    IReadOnlyDictionary<string, IReadOnlyDictionary<TopicPartition, long>> Committed);
