using System.Globalization;
using System.Text.RegularExpressions;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// One Kafka node as Docker would start it: its container name (also its DNS name on the container
/// network), the environment the apache/kafka image turns into server.properties, and the host ports
/// it publishes (host port -> container port).
/// </summary>
public sealed record KafkaNodeConfig(string Name, IReadOnlyDictionary<string, string> Environment, IReadOnlyDictionary<int, int> PublishedPorts);

/// <summary>
/// The rules a KRaft cluster's configuration must satisfy before Kafka will start it, written from
/// Kafka's own source (apache/kafka, 4.x) and the apache/kafka image's scripts. Each rule names where
/// Kafka enforces it. <see cref="Check"/> returns every violation, so a test shows them all at once.
/// </summary>
public static partial class KafkaConfigRules
{
    /// <summary>What a listener looks like: <c>NAME://host:port</c>; the host may be empty (all interfaces).</summary>
    public sealed record Listener(string Name, string Host, int Port);

    // Same shape Kafka parses listeners with (EndpointUtils.uriParseExp): name, optional [host], port.
    [GeneratedRegex(@"^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$")]
    private static partial Regex ListenerPattern();

    public static IReadOnlyList<string> Check(IReadOnlyList<KafkaNodeConfig> nodes, IReadOnlyDictionary<string, int> otherHostPorts)
    {
        var violations = new List<string>();
        void Fail(string node, string rule, string detail) => violations.Add($"{node}: {detail}  [{rule}]");

        var parsed = nodes.Select(n => new ParsedNode(n)).ToList();
        var brokers = parsed.Where(n => n.IsBroker).ToList();
        var controllers = parsed.Where(n => n.IsController).ToList();

        foreach (var node in parsed)
        {
            var name = node.Config.Name;
            foreach (var error in node.ParseErrors)
            {
                Fail(name, "EndpointUtils.createEndpoint: 'Unable to parse ... to a broker endpoint'", error);
            }
            if (node.Roles.Count == 0 || node.Roles.Any(r => r is not ("broker" or "controller")))
            {
                Fail(name, "KafkaConfig: process.roles must be 'broker', 'controller' or both in KRaft mode",
                    $"process.roles is '{node.Get("KAFKA_PROCESS_ROLES")}'");
            }
            if (node.NodeId is null)
            {
                Fail(name, "KafkaConfig: node.id is required in KRaft mode", $"node.id is '{node.Get("KAFKA_NODE_ID")}'");
            }

            // Distinct names and ports within one node.
            foreach (var group in node.Listeners.GroupBy(l => l.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            {
                Fail(name, "EndpointUtils.validate: 'Each listener must have a different name'", $"listener name {group.Key} appears {group.Count()} times");
            }
            foreach (var group in node.Listeners.Where(l => l.Port != 0).GroupBy(l => l.Port).Where(g => g.Count() > 1))
            {
                Fail(name, "EndpointUtils.validate: 'Each listener must have a different port'",
                    $"port {group.Key} is used by {string.Join(" and ", group.Select(l => l.Name))}");
            }

            // Every listener (and every controller listener name) has a security protocol.
            foreach (var listener in node.Listeners.Concat(node.AdvertisedListeners).Select(l => l.Name).Concat(node.ControllerListenerNames).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!node.SecurityProtocolMap.ContainsKey(listener))
                {
                    Fail(name, "EndpointUtils.securityProtocol: 'No security protocol defined for listener'",
                        $"listener {listener} is not in listener.security.protocol.map");
                }
            }

            foreach (var advertised in node.AdvertisedListeners.Where(l => l.Host is "0.0.0.0" or ""))
            {
                Fail(name, "KafkaConfig.validateValues: 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0'",
                    $"advertised listener {advertised.Name} has host '{advertised.Host}', which no client can reach");
            }

            if (node.IsBroker)
            {
                var listenerNames = node.Listeners.Select(l => l.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var advertisedNames = node.AdvertisedListeners.Select(l => l.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (advertisedNames.Count == 0)
                {
                    Fail(name, "KafkaConfig.validateAdvertisedBrokerListenersNonEmptyForBroker", "no advertised.listeners");
                }
                foreach (var advertised in advertisedNames.Where(a => !listenerNames.Contains(a)))
                {
                    Fail(name, "KafkaConfig.validateValues: 'advertised.listeners listener names must be equal to or a subset of the ones defined in listeners'",
                        $"advertised listener {advertised} is not a listener");
                }
                foreach (var advertised in advertisedNames.Where(a => node.ControllerListenerNames.Contains(a, StringComparer.OrdinalIgnoreCase)))
                {
                    Fail(name, "KafkaConfig (KRaft broker): advertised.listeners must not contain controller listeners; clients never talk to controllers",
                        $"advertised listener {advertised} is the controller listener");
                }
                var interBroker = node.Get("KAFKA_INTER_BROKER_LISTENER_NAME");
                if (string.IsNullOrEmpty(interBroker) || !advertisedNames.Contains(interBroker))
                {
                    Fail(name, "KafkaConfig.validateValues: 'inter.broker.listener.name must be a listener name defined in advertised.listeners'",
                        $"inter.broker.listener.name is '{interBroker}'");
                }
                if (node.ControllerListenerNames.Count == 0)
                {
                    Fail(name, "KafkaConfig (KRaft broker-only): 'controller.listener.names must contain at least one value'", "controller.listener.names is empty");
                }
                if (!node.IsController)
                {
                    foreach (var listener in node.Listeners.Where(l => node.ControllerListenerNames.Contains(l.Name, StringComparer.OrdinalIgnoreCase)))
                    {
                        Fail(name, "KafkaConfig (KRaft broker-only): 'controller.listener.names must not contain a value appearing in the listeners configuration'",
                            $"listener {listener.Name} is a controller listener on a broker-only node");
                    }
                    if (node.NodeId is int id && node.Voters.Any(v => v.Id == id))
                    {
                        Fail(name, "KafkaConfig (KRaft broker-only): 'the node id must not be included in the set of voters'",
                            $"node.id {id} is a voter");
                    }
                }
            }

            if (node.IsController)
            {
                var listenerNames = node.Listeners.Select(l => l.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (node.ControllerListenerNames.Count == 0 || !node.ControllerListenerNames.Any(listenerNames.Contains))
                {
                    Fail(name, "KafkaConfig.validateAdvertisedControllerListenersNonEmptyForKRaftController: 'controller.listener.names must contain at least one value appearing in the listeners configuration'",
                        $"controller.listener.names '{string.Join(",", node.ControllerListenerNames)}' matches no listener");
                }
                foreach (var missing in node.ControllerListenerNames.Where(c => !listenerNames.Contains(c)))
                {
                    Fail(name, "KafkaConfig.validateControllerListenerNamesMustAppearInListenersForKRaftController",
                        $"controller listener {missing} is not in listeners");
                }
                if (!node.IsBroker)
                {
                    foreach (var listener in node.Listeners.Where(l => !node.ControllerListenerNames.Contains(l.Name, StringComparer.OrdinalIgnoreCase)))
                    {
                        Fail(name, "KafkaConfig (KRaft controller-only): 'listeners must only contain KRaft controller listeners'",
                            $"listener {listener.Name} is not a controller listener");
                    }
                    if (node.Config.Environment.ContainsKey("KAFKA_ADVERTISED_LISTENERS"))
                    {
                        Fail(name, "apache/kafka image, docker/resources/common-scripts/configure: 'KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller' (exit 1)",
                            "KAFKA_ADVERTISED_LISTENERS is set on a controller-only node");
                    }
                }
                if (node.NodeId is int id && !node.Voters.Any(v => v.Id == id))
                {
                    Fail(name, "KafkaConfig.validateControllerQuorumVotersMustContainNodeIdForKRaftController",
                        $"node.id {id} is not among the voters");
                }
            }

            var logDirs = node.Get("KAFKA_LOG_DIRS") ?? "/tmp/kraft-combined-logs";
            foreach (var logDir in logDirs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (logDir != "/var/lib/kafka/data" && !logDir.StartsWith("/tmp/", StringComparison.Ordinal))
                {
                    Fail(name, "apache/kafka image, docker/jvm/Dockerfile: the image runs as appuser, which may write only /var/lib/kafka/data (its volume) and /tmp; the storage format step fails elsewhere",
                        $"log.dirs contains {logDir}");
                }
            }

            if (node.Voters.Count == 0)
            {
                Fail(name, "KafkaConfig.validateQuorumVotersAndQuorumBootstrapServerForKRaft: controller.quorum.voters must contain a parseable set of controllers",
                    $"controller.quorum.voters is '{node.Get("KAFKA_CONTROLLER_QUORUM_VOTERS")}'");
            }
        }

        // Node ids are the cluster's identity for brokers and voters alike.
        foreach (var group in parsed.Where(n => n.NodeId is not null).GroupBy(n => n.NodeId).Where(g => g.Count() > 1))
        {
            Fail(string.Join(", ", group.Select(n => n.Config.Name)), "ClusterControlManager.registerBroker: DuplicateBrokerRegistrationException / one voter per id",
                $"node.id {group.Key} is used more than once");
        }

        // Every node must name the same voters, and each voter must be a controller listening where the voters say.
        var voterSets = parsed.Select(n => n.Get("KAFKA_CONTROLLER_QUORUM_VOTERS")).Distinct().ToList();
        if (voterSets.Count > 1)
        {
            Fail("cluster", "QuorumConfig: every node reaches the quorum through controller.quorum.voters; nodes that disagree cannot elect one leader",
                $"nodes name different voters: {string.Join(" | ", voterSets)}");
        }
        foreach (var node in parsed)
        {
            foreach (var voter in node.Voters)
            {
                var target = parsed.FirstOrDefault(n => n.NodeId == voter.Id);
                if (target is null || !target.IsController)
                {
                    Fail(node.Config.Name, "QuorumConfig.parseVoterConnections + KafkaRaftServer: a voter must be a node that runs the controller role",
                        $"voter {voter.Id} is {(target is null ? "no node" : $"{target.Config.Name}, which is not a controller")}");
                    continue;
                }
                if (!string.Equals(voter.Host, target.Config.Name, StringComparison.Ordinal))
                {
                    Fail(node.Config.Name, "RaftManager connects to each voter at the host given in controller.quorum.voters",
                        $"voter {voter.Id} is addressed as {voter.Host}, but that node is named {target.Config.Name}");
                }
                var controllerPorts = target.Listeners.Where(l => target.ControllerListenerNames.Contains(l.Name, StringComparer.OrdinalIgnoreCase)).Select(l => l.Port).ToList();
                if (!controllerPorts.Contains(voter.Port))
                {
                    Fail(node.Config.Name, "RaftManager connects to each voter at the port given in controller.quorum.voters; the controller listens on its controller listener",
                        $"voter {voter.Id} is addressed on port {voter.Port}, but {target.Config.Name}'s controller listener is on {string.Join(",", controllerPorts)}");
                }
            }
        }
        if (controllers.Count == 0)
        {
            Fail("cluster", "KRaft: a cluster needs at least one node with the controller role", "no controller");
        }

        // One cluster id, a real one: 16 bytes in URL-safe base64 without padding.
        var clusterIds = parsed.Select(n => n.Get("CLUSTER_ID")).Distinct().ToList();
        if (clusterIds.Count > 1)
        {
            Fail("cluster", "KafkaRaftServer / MetaPropertiesEnsemble: nodes formatted with another cluster.id are refused (INCONSISTENT_CLUSTER_ID)",
                $"nodes use different CLUSTER_IDs: {string.Join(", ", clusterIds)}");
        }
        foreach (var clusterId in clusterIds)
        {
            var bytes = DecodeKafkaUuid(clusterId);
            if (bytes != 16)
            {
                Fail("cluster", "Uuid.fromString (kafka-storage format): 'decoded as N bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID'",
                    $"CLUSTER_ID '{clusterId}' decodes to {(bytes < 0 ? "nothing (not base64)" : $"{bytes} bytes")}");
            }
        }

        // Host ports: Docker publishes each once; the host listener must be advertised where it is published.
        var hostPorts = parsed.SelectMany(n => n.Config.PublishedPorts.Keys.Select(p => (Owner: n.Config.Name, Port: p)))
            .Concat(otherHostPorts.Select(o => (Owner: o.Key, Port: o.Value)))
            .ToList();
        foreach (var group in hostPorts.GroupBy(p => p.Port).Where(g => g.Count() > 1))
        {
            Fail(string.Join(", ", group.Select(p => p.Owner)), "Docker: 'Bind for 0.0.0.0:PORT failed: port is already allocated'",
                $"host port {group.Key} is published twice");
        }
        var publishedHostPorts = parsed.SelectMany(n => n.Config.PublishedPorts.Keys).ToHashSet();
        foreach (var node in brokers)
        {
            foreach (var advertised in node.AdvertisedListeners)
            {
                var bound = node.Listeners.FirstOrDefault(l => string.Equals(l.Name, advertised.Name, StringComparison.OrdinalIgnoreCase));
                if (advertised.Host is "localhost" or "127.0.0.1")
                {
                    // A host client connects to localhost:port: Docker must publish that port to this listener.
                    if (!node.Config.PublishedPorts.TryGetValue(advertised.Port, out var containerPort) || bound is null || containerPort != bound.Port)
                    {
                        Fail(node.Config.Name, "Kafka clients connect to the advertised address (NetworkClient); from the host it must be a published port of this node's listener",
                            $"advertised {advertised.Name}://{advertised.Host}:{advertised.Port} is not published to listener port {bound?.Port.ToString(CultureInfo.InvariantCulture) ?? "(none)"}");
                    }
                }
                else
                {
                    // Another container connects to name:port on the container network.
                    if (!string.Equals(advertised.Host, node.Config.Name, StringComparison.Ordinal) || bound is null || bound.Port != advertised.Port)
                    {
                        Fail(node.Config.Name, "Kafka brokers replicate from the advertised inter-broker address (ReplicaFetcherThread); on the container network it is this container's name and listener port",
                            $"advertised {advertised.Name}://{advertised.Host}:{advertised.Port} does not reach this node's {advertised.Name} listener");
                    }
                }
            }
            // Project rule (Apache's layout): container-network listeners stay out of the host-port range,
            // so a port seen in one place means one thing.
            foreach (var listener in node.Listeners.Where(l => !node.AdvertisedListeners.Any(a => a.Name == l.Name && a.Host is "localhost" or "127.0.0.1")))
            {
                if (publishedHostPorts.Contains(listener.Port))
                {
                    Fail(node.Config.Name, "Project layout rule (apache/kafka docker examples): internal and controller ports lie outside the published host-port range",
                        $"listener {listener.Name} uses port {listener.Port}, which is also a published host port");
                }
            }
        }
        foreach (var node in controllers.Where(c => !c.IsBroker))
        {
            foreach (var listener in node.Listeners.Where(l => publishedHostPorts.Contains(l.Port)))
            {
                Fail(node.Config.Name, "Project layout rule (apache/kafka docker examples): internal and controller ports lie outside the published host-port range",
                    $"listener {listener.Name} uses port {listener.Port}, which is also a published host port");
            }
        }

        // Internal topics are placed like any topic: never more replicas than brokers, never a min ISR above them.
        var brokerCount = brokers.Count;
        foreach (var node in parsed)
        {
            foreach (var (rfKey, minIsrKey) in new[]
            {
                ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", (string?)null),
                ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"),
                ("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR"),
                ("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS"),
            })
            {
                var rf = node.GetInt(rfKey, DefaultOf(rfKey));
                if (rf > brokerCount)
                {
                    Fail(node.Config.Name, "StripedReplicaPlacer.throwInvalidReplicationFactorIfTooFewBrokers: 'The target replication factor of N cannot be reached because only M broker(s) are registered'",
                        $"{Property(rfKey)} is {rf} but the cluster has {brokerCount} broker(s)");
                }
                if (minIsrKey is not null)
                {
                    var minIsr = node.GetInt(minIsrKey, DefaultOf(minIsrKey));
                    if (minIsr > rf)
                    {
                        Fail(node.Config.Name, "Partition.appendRecordsToLeader: NotEnoughReplicasException when the ISR is smaller than min.insync.replicas (acks=all never succeeds)",
                            $"{Property(minIsrKey)} is {minIsr} but {Property(rfKey)} is {rf}");
                    }
                }
            }
        }
        return violations;
    }

    /// <summary>
    /// Rules for a client on the container network (kafka-ui) given <paramref name="bootstrapServers"/>:
    /// every entry must be an address a broker advertises on a listener reachable there (host = that
    /// broker's container name, as Kafka clients go on to connect to the advertised addresses the
    /// metadata returns, NetworkClient), never a localhost listener (inside another container that is the
    /// container itself) nor a controller; and every broker is named, so any one of them being down leaves
    /// the client a way in.
    /// </summary>
    public static IReadOnlyList<string> CheckContainerNetworkBootstrap(IReadOnlyList<KafkaNodeConfig> nodes, string? bootstrapServers)
    {
        var violations = new List<string>();
        var brokers = nodes.Select(n => new ParsedNode(n)).Where(n => n.IsBroker).ToList();
        var entries = (bootstrapServers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length == 0)
        {
            violations.Add("bootstrap servers are empty");
        }
        var reached = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var port))
            {
                violations.Add($"'{entry}' is not host:port");
                continue;
            }
            var host = entry[..colon];
            var owner = brokers.FirstOrDefault(b => b.AdvertisedListeners.Any(a => a.Host == host && a.Port == port));
            if (owner is null)
            {
                violations.Add($"'{entry}' is not an address any broker advertises (advertised: {string.Join(" ", brokers.Select(b => b.Get("KAFKA_ADVERTISED_LISTENERS")))})");
                continue;
            }
            if (host is "localhost" or "127.0.0.1" || !string.Equals(host, owner.Config.Name, StringComparison.Ordinal))
            {
                violations.Add($"'{entry}' is {owner.Config.Name}'s host-side address; on the container network the broker is {owner.Config.Name}");
                continue;
            }
            reached.Add(owner.Config.Name);
        }
        foreach (var broker in brokers.Where(b => !reached.Contains(b.Config.Name)))
        {
            violations.Add($"broker {broker.Config.Name} is not in the bootstrap list");
        }
        return violations;
    }

    /// <summary>Kafka's defaults for the settings the rules read, where a node leaves them out.</summary>
    private static int DefaultOf(string key) => key switch
    {
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR" => 3,
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR" => 3,
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR" => 2,
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR" => 3,
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR" => 2,
        "KAFKA_DEFAULT_REPLICATION_FACTOR" => 1,
        "KAFKA_MIN_INSYNC_REPLICAS" => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    /// <summary>The image's mapping of an environment variable to a property: strip KAFKA_, lower case, '_' to '.'.</summary>
    public static string Property(string environmentVariable) =>
        environmentVariable["KAFKA_".Length..].ToLowerInvariant().Replace('_', '.');

    /// <summary>Bytes that Kafka's <c>Uuid.fromString</c> decodes (URL-safe base64, no padding), or -1 when it is not base64.</summary>
    public static int DecodeKafkaUuid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Contains('=', StringComparison.Ordinal))
        {
            return -1;
        }
        var standard = value.Replace('-', '+').Replace('_', '/');
        standard = standard.PadRight(standard.Length + (4 - standard.Length % 4) % 4, '=');
        try
        {
            return Convert.FromBase64String(standard).Length;
        }
        catch (FormatException)
        {
            return -1;
        }
    }

    public static IReadOnlyList<Listener> ParseListeners(string? value, List<string> errors)
    {
        var result = new List<Listener>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return result;
        }
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = ListenerPattern().Match(item);
            if (!match.Success)
            {
                errors.Add($"'{item}' is not NAME://host:port");
                continue;
            }
            result.Add(new Listener(match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value, int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture)));
        }
        return result;
    }

    private sealed record Voter(int Id, string Host, int Port);

    private sealed class ParsedNode
    {
        public ParsedNode(KafkaNodeConfig config)
        {
            Config = config;
            Roles = (Get("KAFKA_PROCESS_ROLES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            NodeId = int.TryParse(Get("KAFKA_NODE_ID"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && id >= 0 ? id : null;
            Listeners = ParseListeners(Get("KAFKA_LISTENERS"), ParseErrors);
            AdvertisedListeners = ParseListeners(Get("KAFKA_ADVERTISED_LISTENERS"), ParseErrors);
            ControllerListenerNames = (Get("KAFKA_CONTROLLER_LISTENER_NAMES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(n => n.ToUpperInvariant()).ToList();
            SecurityProtocolMap = (Get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(pair => pair.Split(':'))
                .Where(pair => pair.Length == 2)
                .ToDictionary(pair => pair[0].ToUpperInvariant(), pair => pair[1], StringComparer.OrdinalIgnoreCase);
            foreach (var voter in (Get("KAFKA_CONTROLLER_QUORUM_VOTERS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var at = voter.Split('@');
                var hostPort = at.Length == 2 ? at[1].Split(':') : [];
                if (at.Length == 2 && hostPort.Length == 2
                    && int.TryParse(at[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var voterId)
                    && int.TryParse(hostPort[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var voterPort))
                {
                    Voters.Add(new Voter(voterId, hostPort[0], voterPort));
                }
                else
                {
                    ParseErrors.Add($"voter '{voter}' is not id@host:port");
                }
            }
        }

        public KafkaNodeConfig Config { get; }
        public HashSet<string> Roles { get; }
        public bool IsBroker => Roles.Contains("broker");
        public bool IsController => Roles.Contains("controller");
        public int? NodeId { get; }
        public List<string> ParseErrors { get; } = [];
        public IReadOnlyList<Listener> Listeners { get; }
        public IReadOnlyList<Listener> AdvertisedListeners { get; }
        public List<string> ControllerListenerNames { get; }
        public Dictionary<string, string> SecurityProtocolMap { get; }
        public List<Voter> Voters { get; } = [];

        public string? Get(string key) => Config.Environment.TryGetValue(key, out var value) ? value : null;

        public int GetInt(string key, int fallback) =>
            int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }
}
