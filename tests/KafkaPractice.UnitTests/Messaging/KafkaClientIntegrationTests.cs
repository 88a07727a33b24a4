using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Tests.Messaging;

/// <summary>
/// The client integration binds its settings the way Aspire.Confluent.Kafka documents them, and
/// this system's rules, passed in at the call site, hold whatever configuration says.
/// No broker is needed: the clients are built but never asked to connect.
/// </summary>
public sealed class KafkaClientIntegrationTests
{
    private static HostApplicationBuilder Builder(Dictionary<string, string?> configuration)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(configuration);
        return builder;
    }

    [Fact]
    public void Producer_settings_come_from_the_Aspire_section_then_the_named_section_then_the_connection_string_then_code()
    {
        var builder = Builder(new()
        {
            ["ConnectionStrings:kafka"] = "broker-a:9092",
            ["Aspire:Confluent:Kafka:Producer:Config:LingerMs"] = "20",
            ["Aspire:Confluent:Kafka:Producer:Config:BootstrapServers"] = "ignored:9092",
            ["Aspire:Confluent:Kafka:Producer:Config:ClientId"] = "general",
            ["Aspire:Confluent:Kafka:Producer:kafka:Config:ClientId"] = "named",
            ["Aspire:Confluent:Kafka:Producer:DisableMetrics"] = "true",
        });
        ProducerConfig? seen = null;
        builder.AddKafkaProducer<string, byte[]>("kafka", settings =>
        {
            Assert.Equal("broker-a:9092", settings.ConnectionString);
            Assert.True(settings.DisableMetrics);
            settings.Config.MessageTimeoutMs = 1234;
            seen = settings.Config;
        });

        Assert.NotNull(seen);
        Assert.Equal("broker-a:9092", seen.BootstrapServers);
        Assert.Equal(20, seen.LingerMs);
        Assert.Equal("named", seen.ClientId);
        Assert.Equal(1234, seen.MessageTimeoutMs);
        Assert.Equal(0, seen.StatisticsIntervalMs);
        using var host = builder.Build();
        Assert.NotNull(host.Services.GetRequiredService<IProducer<string, byte[]>>());
    }

    [Fact]
    public void A_producer_without_bootstrap_servers_is_refused_at_registration()
    {
        var builder = Builder([]);
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddKafkaProducer<string, string>("kafka"));
        Assert.Contains("ConnectionStrings:kafka", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_consumer_needs_a_group_and_gets_the_consumer_section()
    {
        var noGroup = Builder(new() { ["ConnectionStrings:kafka"] = "broker-a:9092" });
        Assert.Throws<InvalidOperationException>(() => noGroup.AddKafkaConsumer<string, string>("kafka"));

        var builder = Builder(new()
        {
            ["ConnectionStrings:kafka"] = "broker-a:9092",
            ["Aspire:Confluent:Kafka:Consumer:Config:GroupId"] = "g1",
            ["Aspire:Confluent:Kafka:Consumer:Config:FetchWaitMaxMs"] = "10",
            ["Aspire:Confluent:Kafka:Producer:Config:GroupId"] = "not-for-consumers",
        });
        ConsumerConfig? seen = null;
        builder.AddKafkaConsumer<string, string>("kafka", settings => seen = settings.Config);
        Assert.Equal("g1", seen!.GroupId);
        Assert.Equal(10, seen.FetchWaitMaxMs);
        using var host = builder.Build();
        Assert.NotNull(host.Services.GetRequiredService<IConsumer<string, string>>());
    }

    [Fact]
    public void Keyed_clients_are_registered_under_their_name_with_that_connection()
    {
        var builder = Builder(new() { ["ConnectionStrings:audit"] = "broker-b:9092" });
        builder.AddKeyedKafkaProducer<string, string>("audit");
        using var host = builder.Build();
        Assert.NotNull(host.Services.GetRequiredKeyedService<IProducer<string, string>>("audit"));
        Assert.Null(host.Services.GetService<IProducer<string, string>>());
    }

    [Fact]
    public void One_health_check_per_connection_unless_disabled()
    {
        var builder = Builder(new() { ["ConnectionStrings:kafka"] = "broker-a:9092", ["ConnectionStrings:other"] = "broker-b:9092" });
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumerFactory<string, string>("kafka");
        builder.AddKafkaProducer<string, byte[]>("other", s => s.DisableHealthChecks = true);
        using var host = builder.Build();
        var names = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name).ToList();
        Assert.Equal(["kafka"], names);
    }

    [Fact]
    public void The_topology_decides_durability_whatever_the_configuration_says()
    {
        var builder = Builder(new()
        {
            ["ConnectionStrings:kafka"] = "broker-a:9092",
            ["Aspire:Confluent:Kafka:Producer:Config:Acks"] = "Leader",
            ["Aspire:Confluent:Kafka:Producer:Config:EnableIdempotence"] = "false",
            ["Aspire:Confluent:Kafka:Producer:Config:LingerMs"] = "50",
        });
        ProducerConfig? seen = null;
        builder.AddKafkaProducer<string, byte[]>("kafka", settings =>
        {
            KafkaClientRules.ApplyProducerRules(settings.Config, KafkaTopology.Default);
            seen = settings.Config;
        });
        Assert.Equal(Acks.All, seen!.Acks);
        Assert.True(seen.EnableIdempotence);
        // Defaults only where nothing is configured.
        Assert.Equal(50, seen.LingerMs);
        Assert.Equal(KafkaClientRules.DefaultMessageTimeoutMs, seen.MessageTimeoutMs);
        Assert.Equal(seen.MessageTimeoutMs, seen.RequestTimeoutMs);
    }

    [Fact]
    public void Consumers_never_commit_on_their_own()
    {
        var config = new ConsumerConfig { EnableAutoCommit = true, EnableAutoOffsetStore = true, SessionTimeoutMs = 9000 };
        KafkaClientRules.ApplyConsumerRules(config);
        Assert.False(config.EnableAutoCommit);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.Equal(AutoOffsetReset.Earliest, config.AutoOffsetReset);
        Assert.Equal(9000, config.SessionTimeoutMs);
        Assert.Equal(3000, config.HeartbeatIntervalMs);
    }

    [Fact]
    public void A_contract_record_carries_its_type_and_version_and_is_recognised_by_them()
    {
        var record = ContractMessage.Create("k", new LogMarker("test"));
        Assert.True(ContractMessage.Is<LogMarker>(record.Headers));
        Assert.False(ContractMessage.Is<KafkaPractice.Messaging.Members.MemberRegistrationRequested>(record.Headers));
        Assert.Equal("1", System.Text.Encoding.ASCII.GetString(record.Headers.GetLastBytes(MessageHeaders.MessageVersion)));
        Assert.Contains("\"version\":1", System.Text.Encoding.UTF8.GetString(record.Value), StringComparison.Ordinal);
    }
}
