namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Containers mode's <c>kafka</c>: the cluster of KRaft broker containers <c>kafka-1..N</c>.
/// It runs nothing itself; its connection string lists every broker's host listener, and it is
/// healthy when the cluster answers and the topology's topics exist with the right settings.
/// </summary>
public sealed class KafkaClusterResource(string name) : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    public List<KafkaBrokerContainerResource> Brokers { get; } = [];

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

/// <summary>One KRaft node (combined broker and controller) of the Containers-mode cluster.</summary>
public sealed class KafkaBrokerContainerResource(string name, int nodeId) : ContainerResource(name)
{
    public const string HostEndpointName = "tcp";
    public const string InternalEndpointName = "internal";
    public const string ControllerEndpointName = "controller";

    /// <summary>Port of the listener inside the container network for broker-to-broker traffic.</summary>
    public const int InternalPort = 9093;
    /// <summary>Port of the KRaft controller listener inside the container network.</summary>
    public const int ControllerPort = 9094;

    public int NodeId { get; } = nodeId;

    public EndpointReference HostEndpoint => new(this, HostEndpointName);
}
