using Microsoft.Extensions.Configuration;

namespace KafkaPractice.Messaging;

/// <summary>
/// The one definition of the Kafka cluster this system expects: broker count, topics and the
/// durability settings producers use. The AppHost validates it and hands it to every resource
/// through configuration (section <see cref="SectionName"/>), so the emulator, the producers,
/// the consumers and the Containers-mode brokers all agree.
/// </summary>
public sealed class KafkaTopology
{
    public const string SectionName = "KafkaTopology";

    public const string CreateMember = "create_member";
    public const string CreateCoupon = "create_coupon";

    public int Brokers { get; set; } = 3;

    /// <summary>Producer <c>acks</c>: "all" (-1), "1" or "0".</summary>
    public string Acks { get; set; } = "all";

    public bool EnableIdempotence { get; set; } = true;

    public List<TopicDefinition> Topics { get; set; } = [];

    /// <summary>The topology the project is built around: 3 brokers, RF 3, min.insync.replicas 2.</summary>
    public static KafkaTopology Default => new()
    {
        Brokers = 3,
        Acks = "all",
        EnableIdempotence = true,
        Topics =
        [
            new TopicDefinition { Name = CreateMember, Partitions = 3, ReplicationFactor = 3, MinInSyncReplicas = 2 },
            new TopicDefinition { Name = CreateCoupon, Partitions = 3, ReplicationFactor = 3, MinInSyncReplicas = 2 },
        ],
    };

    public TopicDefinition Topic(string name) =>
        Topics.FirstOrDefault(t => t.Name == name)
        ?? throw new InvalidOperationException($"Topic '{name}' is not part of the Kafka topology.");

    /// <summary>Each topic plus its dead-letter topic, as the emulator and the Containers-mode setup create them.</summary>
    public IEnumerable<TopicDefinition> TopicsWithDeadLetters() =>
        Topics.SelectMany(t => new[] { t, t with { Name = t.DeadLetterTopic } });

    /// <summary>
    /// Binds the topology from configuration. A section that names no topics keeps the default
    /// topics, so overriding only the broker count or acks stays a one-line change.
    /// </summary>
    public static KafkaTopology From(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var topology = Default;
        var configuredTopics = section.GetSection(nameof(Topics));
        if (configuredTopics.Exists())
        {
            topology.Topics = [];
        }
        section.Bind(topology);
        return topology;
    }

    /// <summary>Flattens the topology into configuration keys, for passing as environment variables.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToConfiguration(string separator = "__")
    {
        var p = SectionName + separator;
        yield return new($"{p}{nameof(Brokers)}", Brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new($"{p}{nameof(Acks)}", Acks);
        yield return new($"{p}{nameof(EnableIdempotence)}", EnableIdempotence ? "true" : "false");
        for (var i = 0; i < Topics.Count; i++)
        {
            var t = Topics[i];
            var tp = $"{p}{nameof(Topics)}{separator}{i}{separator}";
            yield return new($"{tp}{nameof(TopicDefinition.Name)}", t.Name);
            yield return new($"{tp}{nameof(TopicDefinition.Partitions)}", t.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new($"{tp}{nameof(TopicDefinition.ReplicationFactor)}", t.ReplicationFactor.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new($"{tp}{nameof(TopicDefinition.MinInSyncReplicas)}", t.MinInSyncReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}

public sealed record TopicDefinition
{
    public string Name { get; init; } = "";
    public int Partitions { get; init; } = 3;
    public int ReplicationFactor { get; init; } = 3;
    public int MinInSyncReplicas { get; init; } = 2;

    public string DeadLetterTopic => Name + ".dlt";
}
