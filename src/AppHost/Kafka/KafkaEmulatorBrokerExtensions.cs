using System.Collections.Immutable;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.AppHost.Kafka;

public static class KafkaEmulatorBrokerExtensions
{
    private const string ClusterViewHealthCheck = "kafka-cluster-view";

    /// <summary>
    /// Gives the emulator one child resource per broker (<c>kafka-1..N</c>) with the dashboard's own
    /// stop and start commands, and shows the cluster (brokers, partitions, ISR, end offsets,
    /// consumer lag) in the details of the emulator resource, refreshed every second.
    /// </summary>
    public static IResourceBuilder<KafkaEmulatorResource> WithBrokerResources(
        this IResourceBuilder<KafkaEmulatorResource> emulator, Uri controlUrl, Func<ExecuteCommandContext, int, string, Task<ExecuteCommandResult>> execute)
    {
        var builder = emulator.ApplicationBuilder;
        var cluster = emulator.Resource;
        var brokers = new List<KafkaEmulatorBrokerResource>();
        for (var id = 1; id <= cluster.BrokerCount; id++)
        {
            var brokerId = id;
            var broker = new KafkaEmulatorBrokerResource(KafkaEmulatorBrokerResource.NameFor(cluster.Name, brokerId), brokerId, cluster);
            brokers.Add(broker);
            builder.AddResource(broker)
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = KafkaEmulatorBrokerResource.ResourceType,
                    State = KnownResourceStates.NotStarted,
                    Properties = [new ResourcePropertySnapshot("kafka.broker.id", brokerId) { DisplayName = "Broker id" }],
                })
                .WithIconName("Server")
                .ExcludeFromManifest()
                .WithCommand(KnownResourceCommands.StopCommand, "Stop",
                    context => execute(context, brokerId, "stop"),
                    new CommandOptions
                    {
                        Description = $"Stops broker {brokerId} inside the emulator: its partitions move to a live replica.",
                        IconName = "Stop",
                        IconVariant = IconVariant.Filled,
                        IsHighlighted = true,
                        UpdateState = c => c.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                            ? ResourceCommandState.Enabled
                            : ResourceCommandState.Disabled,
                    })
                .WithCommand(KnownResourceCommands.StartCommand, "Start",
                    context => execute(context, brokerId, "start"),
                    new CommandOptions
                    {
                        Description = $"Starts broker {brokerId} again.",
                        IconName = "Play",
                        IconVariant = IconVariant.Filled,
                        IsHighlighted = true,
                        UpdateState = c => c.ResourceSnapshot.State?.Text == KafkaEmulatorBrokerResource.StoppedState
                            ? ResourceCommandState.Enabled
                            : ResourceCommandState.Disabled,
                    });
        }

        if (builder.ExecutionContext.IsRunMode)
        {
            var interval = TimeSpan.FromMilliseconds(builder.Configuration.GetValue("Local:KafkaViewIntervalMs", 1000));
            builder.Services.AddSingleton(new KafkaEmulatorMonitor.Registration(cluster, brokers, controlUrl, interval));
            builder.Services.AddSingleton<KafkaEmulatorMonitor>();
            builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
            {
                var lifetime = e.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
                e.Services.GetRequiredService<KafkaEmulatorMonitor>().Start(lifetime.ApplicationStopping);
                return Task.CompletedTask;
            });
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                ClusterViewHealthCheck, sp => sp.GetRequiredService<KafkaEmulatorMonitor>(), failureStatus: null, tags: null));
            emulator.WithHealthCheck(ClusterViewHealthCheck);
        }
        return emulator;
    }
}
