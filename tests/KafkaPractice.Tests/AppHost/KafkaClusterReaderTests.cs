using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using KafkaPractice.AppHost.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Containers mode reads the real cluster with <see cref="KafkaClusterReader"/> (metadata, ListOffsets,
/// ListGroups, and OffsetFetch through a consumer per group), which cannot run against real brokers here. The emulator's mock brokers
/// answer every one of those calls but ListGroups, so the reader is run against the Local-mode cluster
/// with the groups named (the emulator knows them from FindCoordinator) and what it finds is held to
/// what Local mode's own view (from the emulator's control API) shows. ListGroups itself is not checked here.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class KafkaClusterReaderTests(AppHostFixture fixture)
{
    // Both views follow a live system: records a previous test left in flight move end offsets and
    // lag until the worker has caught up, which a loaded machine can take well over half a minute to do.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Read_as_a_client_the_cluster_shows_the_same_partitions_offsets_and_lag_as_the_emulator_view()
    {
        // The calls get longer than the comparison loop, so that a view that never agrees ends in the
        // assertion below, which names the rows, and not in a cancelled read.
        using var cts = new CancellationTokenSource(Wait + TimeSpan.FromSeconds(60));
        await RegisterAMemberAndWaitForTheWorkerToCommitAsync(cts.Token);
        using var reader = await ReaderAsync(cts.Token);
        var groups = await KnownGroupsAsync(cts.Token);
        Assert.Contains("member-registrations", groups);

        // Both views refresh on their own clocks: equal once neither has a round in flight.
        Dictionary<string, string> fromReader = [], fromEmulator = [];
        var comparing = System.Diagnostics.Stopwatch.StartNew();
        while (comparing.Elapsed < Wait)
        {
            var snapshot = await reader.DescribeAsync(KafkaTopology.Default, cts.Token);
            var offsets = await reader.OffsetsAsync(KafkaClusterView.Partitions(snapshot), groups, cts.Token);
            fromReader = Rows(KafkaClusterView.Properties(snapshot, offsets.EndOffsets, offsets.Committed));
            fromEmulator = fixture.App.ResourceNotifications.TryGetCurrentState("kafka", out var kafka) ? Rows(kafka.Snapshot.Properties) : [];
            if (fromReader.Count > 0 && fromReader.OrderBy(r => r.Key).SequenceEqual(fromEmulator.OrderBy(r => r.Key)))
            {
                break;
            }
            await Task.Delay(500, CancellationToken.None);
        }

        var differing = fromReader.Where(r => !fromEmulator.TryGetValue(r.Key, out var v) || v != r.Value).Select(r => $"{r.Key}: reader '{r.Value}', view '{fromEmulator.GetValueOrDefault(r.Key)}'")
            .Concat(fromEmulator.Keys.Except(fromReader.Keys).Select(k => $"{k}: only in the view")).ToList();
        Assert.True(differing.Count == 0, $"The reader and the view still differ after {Wait}:\n" + string.Join('\n', differing));
        Assert.Contains(fromReader, r => r.Key == "kafka.partition.create_member.0" && r.Value.Contains("| replicas 1,2,3 | ISR ", StringComparison.Ordinal));
        Assert.Contains(fromReader, r => r.Key.StartsWith("kafka.lag.member-registrations.create_member.", StringComparison.Ordinal) && r.Value.EndsWith("| lag 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_listing_groups_the_reader_reads_the_groups_it_is_given_and_no_others()
    {
        using var cts = new CancellationTokenSource(Wait);
        await RegisterAMemberAndWaitForTheWorkerToCommitAsync(cts.Token);
        using var reader = await ReaderAsync(cts.Token);

        Assert.Null(await reader.ConsumerGroupsAsync(cts.Token));

        var snapshot = await reader.DescribeAsync(KafkaTopology.Default, cts.Token);
        var alone = await reader.OffsetsAsync(KafkaClusterView.Partitions(snapshot), [], cts.Token);
        var named = await reader.OffsetsAsync(KafkaClusterView.Partitions(snapshot), ["member-registrations", "no-such-group"], cts.Token);
        Assert.Empty(alone.Committed);
        Assert.Equal(["member-registrations"], named.Committed.Keys);
        Assert.All(named.Committed["member-registrations"].Keys, p => Assert.Equal(KafkaTopology.CreateMember, p.Topic));
        Assert.Equal(snapshot.Topics.Sum(t => t.Partitions.Count), alone.EndOffsets.Count);
    }

    private async Task<KafkaClusterReader> ReaderAsync(CancellationToken ct)
    {
        var bootstrap = await fixture.App.GetConnectionStringAsync("kafka", ct);
        // The mock brokers cannot list groups, and asking crashes librdkafka 2.16 (KafkaClusterReader's listGroups).
        return new KafkaClusterReader(_ => ValueTask.FromResult(bootstrap), listGroups: false);
    }

    /// <summary>The groups the emulator saw asking for a coordinator (it tracks them; the mock cannot list them).</summary>
    private async Task<string[]> KnownGroupsAsync(CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = fixture.KafkaControlUrl };
        var cluster = await http.GetFromJsonAsync<JsonElement>("/cluster", ct);
        return [.. cluster.GetProperty("coordinators").EnumerateArray()
            .Where(c => c.GetProperty("keyType").GetString() == "group")
            .Select(c => c.GetProperty("key").GetString()!)];
    }

    private async Task RegisterAMemberAndWaitForTheWorkerToCommitAsync(CancellationToken ct)
    {
        using var api = fixture.CreateApiClient();
        var body = new { name = "Reader Check", email = $"reader-{Guid.NewGuid():N}@example.com", phoneNumber = "010-1234-5678" };
        using var response = await api.PostAsJsonAsync("/members", body, ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await fixture.App.ResourceNotifications.WaitForResourceAsync("kafka", e => e.Snapshot.Properties.Any(p =>
            p.Name.StartsWith("kafka.lag.member-registrations.create_member.", StringComparison.Ordinal)
            && p.Value is string v && v.EndsWith("| lag 0", StringComparison.Ordinal) && !v.StartsWith("committed 0 ", StringComparison.Ordinal)), ct);
    }

    /// <summary>
    /// The partition and lag rows of <c>create_member</c>, the topic this test writes to. The other
    /// topics' end offsets and lag keep moving with what earlier tests of the collection left
    /// running (coupon markers, settling), so two views read a moment apart need not agree on them.
    /// </summary>
    private static Dictionary<string, string> Rows(IEnumerable<ResourcePropertySnapshot> properties) =>
        properties.Where(p => (p.Name.StartsWith(KafkaClusterView.PartitionPropertyPrefix, StringComparison.Ordinal)
                || p.Name.StartsWith(KafkaClusterView.LagPropertyPrefix, StringComparison.Ordinal))
                && p.Name.Contains("." + KafkaTopology.CreateMember + ".", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => p.Value as string ?? "");
}
