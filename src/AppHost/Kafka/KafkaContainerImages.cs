namespace KafkaPractice.AppHost.Kafka;

internal static class KafkaContainerImages
{
    public const string Registry = "docker.io";
    public const string Image = "apache/kafka";
    public const string Tag = "4.1.0";
}
