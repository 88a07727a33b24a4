namespace KafkaPractice.Kafka.Emulator;

/// <summary>Network faults on one broker: answers dropped, or a produce made visible late.</summary>
public sealed partial class ClusterController
{
    /// <summary>
    /// Broker <paramref name="id"/> keeps taking requests (writes land) but its answers are lost
    /// until <see cref="DeliverResponses"/>: producers time out not knowing whether their records
    /// were written. Null for an unknown broker.
    /// </summary>
    public ClusterDescription? DropResponses(int id)
    {
        lock (_gate)
        {
            if (!_brokers.TryGetValue(id, out var broker))
            {
                return null;
            }
            broker.Forwarder.DropResponses();
            LogDroppingResponses(id);
            return DescribeLocked();
        }
    }

    /// <summary>Arms (a positive <paramref name="delay"/>) or disarms (null) broker <paramref name="id"/>'s delay-visibility fault (see <see cref="BrokerForwarder.DelayVisibility"/>). Null for an unknown broker.</summary>
    public ClusterDescription? DelayVisibility(int id, TimeSpan? delay)
    {
        lock (_gate)
        {
            if (!_brokers.TryGetValue(id, out var broker))
            {
                return null;
            }
            if (delay is { } armed)
            {
                broker.Forwarder.DelayVisibility(armed);
            }
            else
            {
                broker.Forwarder.CancelDelayVisibility();
            }
            return DescribeLocked();
        }
    }

    public ClusterDescription? DeliverResponses(int id)
    {
        lock (_gate)
        {
            if (!_brokers.TryGetValue(id, out var broker))
            {
                return null;
            }
            broker.Forwarder.DeliverResponses();
            LogDeliveringResponses(id);
            return DescribeLocked();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker {BrokerId} now drops its answers: requests still land, clients hear nothing")]
    private partial void LogDroppingResponses(int brokerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} answers again; its connections were reset")]
    private partial void LogDeliveringResponses(int brokerId);
}
