namespace KafkaPractice.Messaging;

/// <summary>
/// Checks that the cluster can honour the durability the topology asks for. The original
/// project's lesson, enforced: with acks=all, min.insync.replicas must leave room for one
/// broker to fail, or losing any broker stops every write.
/// </summary>
public static class KafkaTopologyValidator
{
    public sealed record Result(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
    {
        public bool IsValid => Errors.Count == 0;
    }

    public static Result Validate(KafkaTopology topology)
    {
        var errors = new List<string>();
        var warnings = new List<string>();

        if (topology.Brokers < 1)
        {
            errors.Add($"Brokers is {topology.Brokers}; a cluster needs at least 1 broker.");
        }
        if (topology.Acks is not ("all" or "-1" or "1" or "0"))
        {
            errors.Add($"Acks is '{topology.Acks}'; use \"all\" (or -1), \"1\" or \"0\".");
        }
        if (topology.Topics.Count == 0)
        {
            errors.Add("The topology names no topics.");
        }
        foreach (var dup in topology.Topics.GroupBy(t => t.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"Topic '{dup.Key}' is defined {dup.Count()} times.");
        }

        foreach (var topic in topology.Topics)
        {
            var name = string.IsNullOrWhiteSpace(topic.Name) ? "(unnamed)" : topic.Name;
            if (string.IsNullOrWhiteSpace(topic.Name))
            {
                errors.Add("A topic has no name.");
            }
            if (topic.Partitions < 1)
            {
                errors.Add($"Topic '{name}': partitions is {topic.Partitions}; it must be at least 1.");
            }
            if (topic.ReplicationFactor < 1 || topic.MinInSyncReplicas < 1)
            {
                errors.Add($"Topic '{name}': replication factor and min.insync.replicas must be at least 1.");
                continue;
            }
            if (topic.ReplicationFactor > topology.Brokers)
            {
                errors.Add(
                    $"Topic '{name}': replication factor {topic.ReplicationFactor} is more than the {topology.Brokers} broker(s); " +
                    "a partition cannot have more replicas than there are brokers to hold them.");
            }
            if (topic.MinInSyncReplicas > topic.ReplicationFactor)
            {
                errors.Add(
                    $"Topic '{name}': min.insync.replicas {topic.MinInSyncReplicas} is more than replication factor {topic.ReplicationFactor}; " +
                    "no acks=all write could ever succeed.");
            }

            var singleBroker = topology.Brokers == 1 && topic.ReplicationFactor == 1 && topic.MinInSyncReplicas == 1;
            if (singleBroker)
            {
                warnings.Add($"Topic '{name}': a single-broker topology survives no broker failure; use it only for a quick look.");
            }
            else if (topic.MinInSyncReplicas > topology.Brokers - 1)
            {
                errors.Add(
                    $"Topic '{name}': min.insync.replicas {topic.MinInSyncReplicas} with {topology.Brokers} broker(s) means that losing one broker " +
                    $"stops every acks=all write; set min.insync.replicas to at most brokers - 1 ({Math.Max(1, topology.Brokers - 1)}).");
            }
        }

        return new Result(errors, warnings);
    }

    public static void ThrowIfInvalid(KafkaTopology topology)
    {
        var result = Validate(topology);
        if (!result.IsValid)
        {
            throw new InvalidKafkaTopologyException(result.Errors);
        }
    }
}

public sealed class InvalidKafkaTopologyException(IReadOnlyList<string> errors)
    : Exception("The Kafka topology cannot be honoured by the cluster:" + Environment.NewLine + "  - " + string.Join(Environment.NewLine + "  - ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
