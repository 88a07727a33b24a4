using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using KafkaPractice.Tests.Infrastructure;
using MySqlConnector;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// The running system (Local mode by default, or the mode KAFKAPRACTICE_TEST_MODE names): every resource
/// healthy, real connections; the emulator's own checks are Local-mode only (ContainersModeTests has
/// their Containers counterparts).
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class LocalModeTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Every_resource_is_running_and_healthy()
    {
        foreach (var name in AppHostFixture.Resources)
        {
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(name, out var e), $"no state for {name}");
            Assert.Equal("Running", e.Snapshot.State?.Text);
        }
        var migrator = fixture.App.ResourceNotifications.TryGetCurrentState("db-migrator", out var m) ? m.Snapshot : null;
        Assert.Equal("Finished", migrator?.State?.Text);
        Assert.Equal(0, migrator?.ExitCode);

        using var api = fixture.CreateApiClient();
        using var health = await api.GetAsync("/health");
        Assert.True(health.IsSuccessStatusCode, $"producer-api /health answered {(int)health.StatusCode}");
    }

    [LocalModeFact("the emulator's brokers listen on 127.0.0.1; Containers mode advertises localhost")]
    public async Task Kafka_connection_string_is_the_bootstrap_list_of_three_brokers()
    {
        var bootstrap = await fixture.GetConnectionStringAsync("kafka");
        var expected = string.Join(",", Enumerable.Range(0, 3).Select(i => $"127.0.0.1:{fixture.KafkaFirstBrokerPort + i}"));
        Assert.Equal(expected, bootstrap);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        Assert.Equal(3, metadata.Brokers.Count);
        Assert.All(new[] { "create_member", "create_coupon" }, topic =>
        {
            var t = metadata.Topics.Single(x => x.Topic == topic);
            Assert.Equal(3, t.Partitions.Count);
            Assert.All(t.Partitions, p => Assert.Equal(3, p.Replicas.Length));
        });
    }

    [Fact]
    public async Task Database_was_migrated_once_and_default_campaign_seeded()
    {
        await using var connection = new MySqlConnection(await fixture.GetConnectionStringAsync("appdb"));
        await connection.OpenAsync();

        await using var tables = new MySqlCommand(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'appdb' AND table_name IN ('members','member_registrations','campaigns','coupons')", connection);
        Assert.Equal(4L, Convert.ToInt64(await tables.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));

        await using var migrations = new MySqlCommand("SELECT COUNT(*) FROM __EFMigrationsHistory", connection);
        Assert.True(Convert.ToInt64(await migrations.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

        await using var campaign = new MySqlCommand("SELECT stock FROM campaigns WHERE id = 'default'", connection);
        Assert.Equal(100, Convert.ToInt32(await campaign.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [LocalModeFact("reads the settings of the local mariadbd")]
    public async Task MariaDb_keeps_its_temporary_files_in_a_folder_of_its_own()
    {
        // Every mariadbd (and mariadb-install-db's bootstrap) deletes the #sql* files in its tmpdir as
        // it starts; sharing the machine's temp folder, one server starting deleted another's
        // temporary tables mid-bootstrap ("Unknown table 'mysql.tmp_user_sys'", a CI run of 2026-12-03).
        await using var connection = new MySqlConnection(await fixture.GetConnectionStringAsync("appdb"));
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT @@tmpdir", connection);
        var tmpdir = Path.GetFullPath((string)(await command.ExecuteScalarAsync())!);

        Assert.StartsWith(Path.GetFullPath(fixture.StateDirectory) + Path.DirectorySeparatorChar, tmpdir, StringComparison.Ordinal);
        Assert.True(Directory.Exists(tmpdir), $"{tmpdir} does not exist");
    }

    [LocalModeFact("reads the emulator's control API")]
    public async Task Stop_and_start_broker_commands_move_leadership_and_bring_the_broker_back()
    {
        using var control = new HttpClient { BaseAddress = fixture.KafkaControlUrl };
        try
        {
            var stopped = await fixture.ExecuteCommandAsync("kafka", "stop-broker-2");
            Assert.True(stopped.Success, stopped.Message);

            var cluster = await control.GetFromJsonAsync<JsonElement>("/cluster");
            Assert.False(BrokerUp(cluster, 2));
            foreach (var partition in Partitions(cluster))
            {
                Assert.NotEqual(2, partition.GetProperty("leader").GetInt32());
            }
            // One broker down out of three: still at min.insync.replicas, writes are accepted.
            Assert.False(cluster.GetProperty("produceRefused").GetBoolean());
        }
        finally
        {
            var started = await fixture.ExecuteCommandAsync("kafka", "start-broker-2");
            Assert.True(started.Success, started.Message);
        }

        var after = await control.GetFromJsonAsync<JsonElement>("/cluster");
        Assert.True(BrokerUp(after, 2));
    }

    private static bool BrokerUp(JsonElement cluster, int id) =>
        cluster.GetProperty("brokers").EnumerateArray().Single(b => b.GetProperty("id").GetInt32() == id).GetProperty("up").GetBoolean();

    private static IEnumerable<JsonElement> Partitions(JsonElement cluster) =>
        cluster.GetProperty("topics").EnumerateArray().SelectMany(t => t.GetProperty("partitions").EnumerateArray());
}
