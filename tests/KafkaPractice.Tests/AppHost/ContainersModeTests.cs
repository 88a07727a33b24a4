using Confluent.Kafka;
using Confluent.Kafka.Admin;
using KafkaPractice.AppHost.Kafka;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// Containers mode for real (KAFKAPRACTICE_TEST_MODE=Containers): the apache/kafka cluster the model
/// describes, as a client sees it. These need a container engine and the images, so they skip
/// elsewhere; the Kafka configuration itself is checked everywhere by <see cref="KafkaConfigRuleTests"/>.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ContainersModeTests(AppHostFixture fixture)
{
    private static readonly TimeSpan ClusterChange = TimeSpan.FromSeconds(90);

    [ContainersModeFact("talks to the apache/kafka brokers")]
    public async Task Kafka_is_three_brokers_on_localhost_with_the_topology_topics()
    {
        var bootstrap = await fixture.GetConnectionStringAsync("kafka");
        Assert.Equal(string.Join(",", Enumerable.Range(0, 3).Select(i => $"localhost:{fixture.KafkaFirstBrokerPort + i}")), bootstrap);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        Assert.Equal([1, 2, 3], metadata.Brokers.Select(b => b.BrokerId).Order());
        var configs = await admin.DescribeConfigsAsync(new[] { "create_member", "create_coupon" }.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t }));
        Assert.All(configs, c => Assert.Equal("2", c.Entries["min.insync.replicas"].Value));
        Assert.All(new[] { "create_member", "create_coupon" }, topic =>
            Assert.All(metadata.Topics.Single(t => t.Topic == topic).Partitions, p => Assert.Equal(3, p.Replicas.Length)));
    }

    [ContainersModeFact("stops apache/kafka broker containers")]
    public async Task Two_brokers_stopped_refuse_acks_all_writes_with_not_enough_replicas_while_kafka_stays_healthy()
    {
        var bootstrap = await fixture.GetConnectionStringAsync("kafka");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        try
        {
            Assert.True((await fixture.ExecuteCommandAsync("kafka", "stop-broker-2")).Success);
            Assert.True((await fixture.ExecuteCommandAsync("kafka", "stop-broker-3")).Success);
            await WaitUntilAsync(() => Isr(admin, "create_member") is { Length: > 0 } isrs && isrs.All(isr => isr.Length == 1), "the ISR of create_member to shrink to one replica");

            // Idempotence off and no retries: the broker's refusal reaches the application as it is.
            using var producer = new ProducerBuilder<string, string>(new ProducerConfig
            {
                BootstrapServers = bootstrap,
                Acks = Acks.All,
                EnableIdempotence = false,
                MessageSendMaxRetries = 0,
                MessageTimeoutMs = 15000,
            }).Build();
            var refused = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
                producer.ProduceAsync("create_member", new Message<string, string> { Key = "k", Value = "not a registration" }));
            Assert.Equal(ErrorCode.NotEnoughReplicas, refused.Error.Code);

            using var cts = new CancellationTokenSource(ClusterChange);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("kafka", cts.Token);
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState("kafka", out var kafka));
            Assert.Contains(kafka.Snapshot.HealthReports, r => r.Description?.StartsWith(KafkaClusterHealth.DegradedPrefix, StringComparison.Ordinal) == true);
        }
        finally
        {
            await fixture.ExecuteCommandAsync("kafka", "start-broker-2");
            await fixture.ExecuteCommandAsync("kafka", "start-broker-3");
        }
        await WaitUntilAsync(() => Isr(admin, "create_member") is { Length: > 0 } isrs && isrs.All(isr => isr.Length == 3), "the ISR of create_member to grow back to three replicas");
    }

    [ContainersModeFact("reads the state of apache/kafka broker containers")]
    public async Task Start_broker_is_refused_while_that_broker_runs()
    {
        var result = await fixture.ExecuteCommandAsync("kafka", "start-broker-1");

        Assert.False(result.Success);
    }

    private static int[][] Isr(IAdminClient admin, string topic)
    {
        try
        {
            return admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Select(p => p.InSyncReplicas).ToArray();
        }
        catch (KafkaException)
        {
            return [];
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(ClusterChange);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited {ClusterChange} for {what}.");
            }
            await Task.Delay(500, CancellationToken.None);
        }
    }
}
