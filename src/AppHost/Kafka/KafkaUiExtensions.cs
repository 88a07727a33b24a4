using System.Globalization;

namespace KafkaPractice.AppHost.Kafka;

/// <summary>The topic browser of Containers mode (docs/containers.md, "Topic browser").</summary>
public static class KafkaUiExtensions
{
    public const string EnabledKey = "Kafka:Ui:Enabled";
    public const string HostPortKey = "Kafka:Ui:Port";

    /// <summary>The port kafka-ui serves on inside its container (its <c>SERVER_PORT</c> default).</summary>
    public const int ContainerPort = 8080;

    /// <summary>
    /// Adds <c>{cluster}-ui</c>, a kafka-ui container (<see cref="KafkaContainerImages.UiImage"/>) that
    /// browses the cluster's topics, messages and consumer groups, the way Aspire.Hosting.Kafka's
    /// <c>WithKafkaUI</c> does: on the container network it reaches each broker's INTERNAL listener,
    /// <c>kafka-N:19092</c>, the address that broker advertises there (its HOST listener advertises
    /// localhost, which inside kafka-ui's container is kafka-ui itself). It starts once the brokers run,
    /// serves HTTP on an endpoint the dashboard links, and is left out with <c>Kafka:Ui:Enabled=false</c>.
    /// </summary>
    public static IResourceBuilder<KafkaClusterResource> WithKafkaUi(this IResourceBuilder<KafkaClusterResource> cluster)
    {
        var builder = cluster.ApplicationBuilder;
        if (!builder.Configuration.GetValue(EnabledKey, true))
        {
            return cluster;
        }
        var ui = builder.AddContainer($"{cluster.Resource.Name}-ui", KafkaContainerImages.UiImage, KafkaContainerImages.UiTag)
            .WithImageRegistry(KafkaContainerImages.Registry)
            .WithLifetime(ContainerLifetime.Session)
            .WithIconName("WindowDatabase")
            .WithHttpEndpoint(port: builder.Configuration.GetValue<int?>(HostPortKey), targetPort: ContainerPort, name: "http")
            .WithUrlForEndpoint("http", url => url.DisplayText = "Topic browser")
            // kafka-ui's documented cluster keys (kafbat docs, "Configuration: misc properties").
            .WithEnvironment("KAFKA_CLUSTERS_0_NAME", cluster.Resource.Name)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS", string.Join(",", cluster.Resource.Brokers.Select(b => b.InternalAddress)))
            .WithEnvironment("SERVER_PORT", ContainerPort.ToString(CultureInfo.InvariantCulture))
            .WithHttpHealthCheck("/actuator/health", endpointName: "http")
            .WithParentRelationship(cluster);
        foreach (var broker in cluster.Resource.Brokers)
        {
            ui.WaitFor(builder.CreateResourceBuilder(broker));
        }
        return cluster;
    }
}
