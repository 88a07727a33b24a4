using KafkaPractice.Messaging;

namespace KafkaPractice.Tests.AppHost;

/// <summary>The AppHost itself refuses a topology the cluster cannot honour, before starting anything.</summary>
public sealed class AppHostStartupRefusalTests
{
    [Theory]
    [InlineData("3", "3", "3")]   // min.insync = brokers
    [InlineData("3", "2", "3")]   // min.insync > replication factor
    [InlineData("3", "4", "2")]   // replication factor > brokers
    public async Task AppHost_refuses_to_start_with_an_explanation(string brokers, string replicationFactor, string minInSync)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            "--Infrastructure:Mode=Local",
            $"--KafkaTopology:Brokers={brokers}",
            "--KafkaTopology:Topics:0:Name=create_member",
            $"--KafkaTopology:Topics:0:ReplicationFactor={replicationFactor}",
            $"--KafkaTopology:Topics:0:MinInSyncReplicas={minInSync}",
        ]));

        var refusal = FindInner<InvalidKafkaTopologyException>(ex);
        Assert.NotNull(refusal);
        Assert.Contains("create_member", refusal.Message);
    }

    [Fact]
    public async Task Unknown_infrastructure_mode_is_refused_with_the_valid_choices()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=Kubernetes"]));

        var refusal = FindInner<InvalidOperationException>(ex);
        Assert.NotNull(refusal);
        Assert.Contains("use Auto, Local or Containers", refusal.Message);
    }

    [Theory]
    [InlineData("Services:ProducerApiReplicas", "0", "from 1 to 64")]
    [InlineData("Services:ConsumerWorkerReplicas", "three", "from 1 to 64")]
    [InlineData("Services:Gen0BudgetBytes", "-1", "from 0 to 268435456")]
    [InlineData("Local:KafkaViewIntervalMs", "3600000", "from 100 to 10000")]
    [InlineData("Local:ConsumerFetchWaitMaxMs", "-1", "from 0 to 300000")]
    [InlineData("OpenTelemetry:MaxTracesPerSecond", "0", "from 1 to 1000000")]
    [InlineData("OpenTelemetry:LogsFollowTraceSampling", "sometimes", "use true or false")]
    public async Task An_out_of_range_setting_is_refused_naming_the_key_and_the_range(string key, string value, string range)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=Local", $"--{key}={value}"]));

        var refusal = FindInner<InvalidOperationException>(ex);
        Assert.NotNull(refusal);
        Assert.Contains($"{key}={value} is not allowed", refusal.Message);
        Assert.Contains(range, refusal.Message);
    }

    private static T? FindInner<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T match)
            {
                return match;
            }
        }
        return null;
    }
}
