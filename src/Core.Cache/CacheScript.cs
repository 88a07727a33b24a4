using System.Collections.Concurrent;

namespace KafkaPractice.Core.Cache;

/// <summary>
/// A Lua script of this library, kept as an embedded <c>Scripts/*.lua</c> resource and read once.
/// Every script names the keys it touches in <c>KEYS</c> only, and all of one call's keys share a
/// hash tag (one campaign, or one idempotency key), so each call runs in one hash slot and the
/// scripts run unchanged on a Redis Cluster (<c>ScriptSlotTests</c> checks it).
/// </summary>
public sealed class CacheScript
{
    private const string ResourcePrefix = "KafkaPractice.Core.Cache.Scripts.";
    private static readonly ConcurrentDictionary<string, CacheScript> Loaded = new(StringComparer.Ordinal);

    private CacheScript(string name, string text)
    {
        Name = name;
        Text = text;
    }

    /// <summary>The file name without <c>.lua</c>, e.g. <c>coupon_reserve</c>.</summary>
    public string Name { get; }

    /// <summary>The Lua source as sent to Redis (StackExchange.Redis caches its SHA and sends EVALSHA).</summary>
    public string Text { get; }

    /// <summary>
    /// The script <paramref name="name"/>; with <paramref name="withClock"/>, preceded by
    /// <c>now_ms.lua</c> (Redis's own clock in milliseconds, for stamps and ages).
    /// </summary>
    public static CacheScript Get(string name, bool withClock = false) =>
        Loaded.GetOrAdd(name, n => new CacheScript(n, withClock ? Read("now_ms") + "\n" + Read(n) : Read(n)));

    /// <summary>Every script embedded in this library, by name (the clock helper excluded).</summary>
    public static IReadOnlyList<string> EmbeddedNames() =>
        typeof(CacheScript).Assembly.GetManifestResourceNames()
            .Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal) && r.EndsWith(".lua", StringComparison.Ordinal))
            .Select(r => r[ResourcePrefix.Length..^".lua".Length])
            .Where(n => n != "now_ms")
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Read(string name)
    {
        using var stream = typeof(CacheScript).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".lua")
            ?? throw new InvalidOperationException($"No embedded script '{name}.lua' in {typeof(CacheScript).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public override string ToString() => Name;
}
