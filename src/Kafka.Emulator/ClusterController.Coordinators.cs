namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// Group coordinator placement: every configured group and every group or transactional id seen
/// in a FindCoordinator request gets a coordinator on a live broker.
/// </summary>
public sealed partial class ClusterController
{
    /// <summary>Group ids the emulator knows: configured ones and those seen in FindCoordinator requests.</summary>
    public IReadOnlyList<string> KnownGroups()
    {
        lock (_gate)
        {
            return [.. _coordinators.Keys.Where(k => k.KeyType == "group").Select(k => k.Key)];
        }
    }

    /// <summary>
    /// Places a group's (or transactional id's) coordinator on a live broker. The mock would
    /// otherwise hash the key onto a broker whether it is up or not.
    /// </summary>
    private void PinCoordinator(string keyType, string key, bool force = false)
    {
        if (!force && _coordinators.ContainsKey((keyType, key)))
        {
            return;
        }
        var live = LiveBrokerIds().ToList();
        if (live.Count == 0)
        {
            return;
        }
        var broker = live[(int)(StableHash(key) % (uint)live.Count)];
        RequireMock().SetGroupCoordinator(keyType, key, broker);
        _coordinators[(keyType, key)] = broker;
    }

    private static uint StableHash(string s)
    {
        var hash = 2166136261u;
        foreach (var c in s)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }

    private void OnCoordinatorKey(int keyType, string key)
    {
        var type = keyType == 1 ? "transaction" : "group";
        lock (_gate)
        {
            if (_mock is null || _coordinators.ContainsKey((type, key)))
            {
                return;
            }
            PinCoordinator(type, key);
            var broker = _coordinators.GetValueOrDefault((type, key));
            LogCoordinatorPlaced(type, key, broker);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Coordinator for {KeyType} '{Key}' placed on broker {BrokerId}")]
    private partial void LogCoordinatorPlaced(string keyType, string key, int brokerId);
}
