namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Containers mode's <c>kafka</c>: a dedicated KRaft controller (<c>kafka-controller</c>) and the broker
/// containers <c>kafka-1..N</c>. It runs nothing itself; its connection string lists every broker's
/// host listener. It turns Running once the brokers formed a cluster and the topology's topics exist.
/// </summary>
public sealed class KafkaClusterResource(string name) : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    public List<KafkaBrokerContainerResource> Brokers { get; } = [];

    public KafkaControllerContainerResource? Controller { get; set; }

    /// <summary>Every container of the cluster: the controller first, then the brokers.</summary>
    public IEnumerable<ContainerResource> Nodes =>
        Controller is null ? Brokers : [Controller, .. Brokers];

    /// <summary>Name of the property of <c>kafka</c> that mirrors a node's state (it enables the broker commands).</summary>
    public static string NodeStateProperty(string nodeName) => $"{nodeName}.state";

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            for (var i = 0; i < Brokers.Count; i++)
            {
                if (i > 0)
                {
                    builder.AppendLiteral(",");
                }
                var endpoint = Brokers[i].HostEndpoint;
                builder.Append($"{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}");
            }
            return builder.Build();
        }
    }
}

/// <summary>
/// The ports every node listens on inside the container network (Apache's layout: the same on every
/// node; only the published host port of the HOST listener differs per broker).
/// </summary>
public static class KafkaContainerPorts
{
    /// <summary>The HOST listener inside every broker container; published on the broker's own host port.</summary>
    public const int Host = 9092;
    /// <summary>Broker-to-broker traffic (replication), advertised as <c>kafka-N:19092</c>.</summary>
    public const int Internal = 19092;
    /// <summary>The KRaft controller listener, on <c>kafka-controller</c> only.</summary>
    public const int Controller = 19093;
}

/// <summary>One broker-only KRaft node of the Containers-mode cluster.</summary>
public sealed class KafkaBrokerContainerResource(string name, int nodeId) : ContainerResource(name)
{
    public const string HostEndpointName = "tcp";

    public int NodeId { get; } = nodeId;

    public EndpointReference HostEndpoint => new(this, HostEndpointName);

    /// <summary>Where containers on the cluster's network reach this broker: its INTERNAL listener, as it advertises it.</summary>
    public string InternalAddress => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Name}:{KafkaContainerPorts.Internal}");
}

/// <summary>The controller-only KRaft node (the quorum's single voter) of the Containers-mode cluster.</summary>
public sealed class KafkaControllerContainerResource(string name, int nodeId) : ContainerResource(name)
{
    public int NodeId { get; } = nodeId;
}
