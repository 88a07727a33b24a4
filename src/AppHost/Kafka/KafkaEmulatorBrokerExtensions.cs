using KafkaPractice.AppHost.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.AppHost.Kafka;

public static class KafkaEmulatorBrokerExtensions
{
    private const string ClusterViewHealthCheck = "kafka-cluster-view";

    /// <summary>
    /// Gives the emulator one child resource per broker (<c>kafka-1..N</c>) with the dashboard's own
    /// stop and start commands and a health check that follows the broker, and shows the cluster
    /// (brokers, partitions, ISR, end offsets, consumer lag) in the details of the emulator resource,
    /// refreshed every second.
    /// </summary>
    public static IResourceBuilder<KafkaEmulatorResource> WithBrokerResources(
        this IResourceBuilder<KafkaEmulatorResource> emulator, Uri controlUrl, Func<ExecuteCommandContext, int, string, Task<ExecuteCommandResult>> execute)
    {
        var builder = emulator.ApplicationBuilder;
        var cluster = emulator.Resource;
        var runMode = builder.ExecutionContext.IsRunMode;
        var brokers = new List<KafkaEmulatorBrokerResource>();
        for (var id = 1; id <= cluster.BrokerCount; id++)
        {
            var brokerId = id;
            var broker = new KafkaEmulatorBrokerResource(KafkaEmulatorBrokerResource.NameFor(cluster.Name, brokerId), brokerId, cluster);
            brokers.Add(broker);
            var child = builder.AddResource(broker)
                .WithInitialState(new CustomResourceSnapshot
                {
                    ResourceType = KafkaEmulatorBrokerResource.ResourceType,
                    State = KnownResourceStates.NotStarted,
                    Properties = [new ResourcePropertySnapshot("kafka.broker.id", brokerId) { DisplayName = "Broker id" }],
                })
                .WithIconName("Server")
                .ExcludeFromManifest()
                .WithBrokerCommand(KnownResourceCommands.StopCommand, "Stop", "Stop",
                    $"Stops broker {brokerId} inside the emulator: its partitions move to a live replica.",
                    KnownResourceStates.Running, context => execute(context, brokerId, "stop"))
                .WithBrokerCommand(KnownResourceCommands.StartCommand, "Start", "Play",
                    $"Starts broker {brokerId} again.",
                    KafkaEmulatorBrokerResource.StoppedState, context => execute(context, brokerId, "start"));
            if (runMode)
            {
                var healthCheck = $"{broker.Name}-up";
                builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck,
                    sp => new BrokerHealthCheck(sp.GetRequiredService<KafkaEmulatorMonitor>(), brokerId), failureStatus: null, tags: null));
                child.WithHealthCheck(healthCheck);
            }
        }

        if (runMode)
        {
            // The kafka rows' health and broker states follow this view, so it also bounds how stale they can be.
            var interval = TimeSpan.FromMilliseconds(SettingBounds.Read(builder.Configuration, "Local:KafkaViewIntervalMs", 1000, 100, 10_000,
                "milliseconds between reads of the emulator; the kafka rows' health follows them"));
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

    /// <summary>The row's own command (the dashboard's stop or start button), enabled only in <paramref name="enabledIn"/>.</summary>
    private static IResourceBuilder<KafkaEmulatorBrokerResource> WithBrokerCommand(this IResourceBuilder<KafkaEmulatorBrokerResource> broker,
        string name, string displayName, string icon, string description, string enabledIn, Func<ExecuteCommandContext, Task<ExecuteCommandResult>> execute) =>
        broker.WithCommand(name, displayName, execute, new CommandOptions
        {
            Description = description,
            IconName = icon,
            IconVariant = IconVariant.Filled,
            IsHighlighted = true,
            UpdateState = c => c.ResourceSnapshot.State?.Text == enabledIn ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
        });

    private sealed class BrokerHealthCheck(KafkaEmulatorMonitor monitor, int brokerId) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(monitor.CheckBroker(brokerId));
    }
}
