namespace KafkaPractice.AppHost.Kafka;

/// <summary>
/// Local mode's <c>kafka</c>: the Kafka emulator process (a 3-broker cluster on fixed loopback
/// ports). Its connection string is the bootstrap list of every broker.
/// </summary>
public sealed class KafkaEmulatorResource(string name, string workingDirectory)
    : ExecutableResource(name, "dotnet", workingDirectory), IResourceWithConnectionString
{
    public const string ControlEndpointName = "control";

    public static string BrokerEndpointName(int brokerId) => $"broker-{brokerId}";

    public int BrokerCount { get; init; } = 3;

    public EndpointReference ControlEndpoint => new(this, ControlEndpointName);

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var builder = new ReferenceExpressionBuilder();
            for (var id = 1; id <= BrokerCount; id++)
            {
                var endpoint = new EndpointReference(this, BrokerEndpointName(id));
                if (id > 1)
                {
                    builder.AppendLiteral(",");
                }
                // Loopback by address: "localhost" may resolve to ::1 first, where nothing listens.
                builder.Append($"127.0.0.1:{endpoint.Property(EndpointProperty.Port)}");
            }
            return builder.Build();
        }
    }
}
