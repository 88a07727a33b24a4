using System.Net.Http.Json;
using System.Text.Json;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>A client asking for an API the librdkafka mock lacks is named in the emulator's log and control API.</summary>
public sealed class UnsupportedApiTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_DescribeGroups_request_is_reported_with_its_client_id_and_a_supported_one_is_not()
    {
        // What a pure-protocol client such as kafkajs sends for admin.describeGroups: DescribeGroups v0.
        await SendAsync(apiKey: 15, version: 0, clientId: "describe-groups-client", body: [0, 0, 0, 1, 0, 1, (byte)'g']);
        // A Metadata v0 request for all topics, which the mock answers.
        await SendAsync(apiKey: 3, version: 0, clientId: "metadata-client", body: [0, 0, 0, 0]);
        // Confluent.Kafka itself, opening with ApiVersions v3 and falling back: version negotiation, not reported.
        using (var producer = new Confluent.Kafka.ProducerBuilder<string, string>(_cluster.ProducerConfig()).Build())
        {
            await producer.ProduceAsync("create_member", new Confluent.Kafka.Message<string, string> { Key = "k", Value = "v" });
        }

        var seen = await WaitForAsync(list => list.Any(r => r.GetProperty("clientId").GetString() == "describe-groups-client"));
        var entry = seen.Single(r => r.GetProperty("clientId").GetString() == "describe-groups-client");
        Assert.Equal("DescribeGroups", entry.GetProperty("api").GetString());
        Assert.Equal(15, entry.GetProperty("apiKey").GetInt32());
        Assert.DoesNotContain(seen, r => r.GetProperty("clientId").GetString() == "metadata-client");
        Assert.DoesNotContain(seen, r => r.GetProperty("api").GetString() == "ApiVersions");
    }

    private async Task<List<JsonElement>> WaitForAsync(Func<List<JsonElement>, bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var list = (await _cluster.Http.GetFromJsonAsync<JsonElement>("/unsupported-requests", cts.Token)).EnumerateArray().ToList();
            if (condition(list))
            {
                return list;
            }
            await Task.Delay(100, cts.Token);
        }
    }

    private Task<byte[]?> SendAsync(short apiKey, short version, string clientId, byte[] body) =>
        _cluster.SendRawAsync(apiKey, version, clientId, body, TimeSpan.FromSeconds(2));
}
