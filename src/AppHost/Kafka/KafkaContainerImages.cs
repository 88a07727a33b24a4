namespace KafkaPractice.AppHost.Kafka;

internal static class KafkaContainerImages
{
    public const string Registry = "docker.io";
    public const string Image = "apache/kafka";
    public const string Tag = "4.1.0";

    /// <summary>
    /// The topic browser: kafbat/kafka-ui, the maintained continuation of provectuslabs/kafka-ui (whose
    /// last release, v0.7.2, dates from 2024) by its former maintainers; the image Aspire.Hosting.Kafka's
    /// <c>WithKafkaUI</c> uses too.
    /// </summary>
    public const string UiImage = "kafbat/kafka-ui";
    public const string UiTag = "v1.5.0";
}
