namespace KafkaPractice.AppHost.Kafka;

public static class KafkaBrokerCommands
{
    public static string StopCommandName(int brokerId) => $"stop-broker-{brokerId}";
    public static string StartCommandName(int brokerId) => $"start-broker-{brokerId}";

    /// <summary>
    /// Adds <c>stop-broker-N</c> and <c>start-broker-N</c> for every broker; <paramref name="execute"/>
    /// does the work for the mode ("stop" or "start"). <paramref name="state"/> decides when a command
    /// is enabled; by default, while the cluster resource runs.
    /// </summary>
    public static IResourceBuilder<T> WithBrokerCommands<T>(
        this IResourceBuilder<T> builder,
        int brokers,
        Func<ExecuteCommandContext, int, string, Task<ExecuteCommandResult>> execute,
        Func<UpdateCommandStateContext, int, string, ResourceCommandState>? state = null)
        where T : IResource
    {
        for (var id = 1; id <= brokers; id++)
        {
            var brokerId = id;
            builder.WithCommand(StopCommandName(brokerId), $"Stop broker {brokerId}",
                context => execute(context, brokerId, "stop"),
                new CommandOptions
                {
                    Description = $"Stops Kafka broker {brokerId}: its partitions move to a live replica.",
                    IconName = "Stop",
                    IconVariant = IconVariant.Regular,
                    UpdateState = state is null ? WhileRunning : context => state(context, brokerId, "stop"),
                });
            builder.WithCommand(StartCommandName(brokerId), $"Start broker {brokerId}",
                context => execute(context, brokerId, "start"),
                new CommandOptions
                {
                    Description = $"Starts Kafka broker {brokerId} again.",
                    IconName = "Play",
                    IconVariant = IconVariant.Regular,
                    UpdateState = state is null ? WhileRunning : context => state(context, brokerId, "start"),
                });
        }
        return builder;
    }

    private static ResourceCommandState WhileRunning(UpdateCommandStateContext context) =>
        context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
            ? ResourceCommandState.Enabled
            : ResourceCommandState.Disabled;
}
