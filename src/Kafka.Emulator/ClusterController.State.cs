namespace KafkaPractice.Kafka.Emulator;

/// <summary>The controller's bookkeeping of brokers, topics and partitions.</summary>
public sealed partial class ClusterController
{
    private sealed class BrokerState(int id, string host, int port, BrokerForwarder forwarder)
    {
        public int Id { get; } = id;
        public string Host { get; } = host;
        public int Port { get; } = port;
        public BrokerForwarder Forwarder { get; } = forwarder;
        public bool Up { get; set; }
    }

    private sealed class TopicState(string name, int minInSyncReplicas)
    {
        public string Name { get; } = name;
        public int MinInSyncReplicas { get; } = minInSyncReplicas;
        public List<PartitionState> Partitions { get; } = [];
    }

    private sealed class PartitionState(int id, int[] replicas, int preferred)
    {
        public int Id { get; } = id;
        public int[] Replicas { get; } = replicas;
        public int Preferred { get; } = preferred;
        public int Leader { get; set; }
    }
}
