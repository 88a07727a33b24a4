using System.Globalization;

namespace KafkaPractice.Bench;

/// <summary>Command-line options. Anything of the form <c>--Section:Key=value</c> goes to the AppHost unchanged.</summary>
public sealed class BenchOptions
{
    public static readonly string[] AllSections = ["accept", "produce", "e2e", "coupon", "accept-alone", "drain", "memory", "idle"];

    public bool Quick { get; private set; }
    public Uri? Attach { get; private set; }
    public string? KafkaBootstrap { get; private set; }
    public string? AppDbConnectionString { get; private set; }
    public string? RedisConnectionString { get; private set; }
    /// <summary>With --attach: the running AppHost's parameter admin-api-key (user secrets, or the dashboard).</summary>
    public string? AdminApiKey { get; private set; }

    /// <summary>Concurrent HTTP clients (and in-flight records for the raw producer).</summary>
    public int Concurrency { get; private set; } = 128;
    public TimeSpan LoadDuration { get; private set; } = TimeSpan.FromSeconds(10);
    /// <summary>Upper bound of requests per load run, so a fast run stays inside the emulator's retention.</summary>
    public int LoadMaxCount { get; private set; } = 40_000;
    public int Backlog { get; private set; } = 20_000;
    public int EndToEndRate { get; private set; } = 200;
    public TimeSpan EndToEndDuration { get; private set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Pause between the e2e section's MySQL polls. Polled back to back (0), the reader sends MariaDB
    /// about 1,500 queries a second and takes a core's share from the system it measures, which
    /// doubled the figure it reported (docs/performance.md).
    /// </summary>
    public int EndToEndPollMs { get; private set; } = 1;

    /// <summary>The first seconds of the e2e section, reported apart: a system that has just started (or just switched from bursts to single requests) is still compiling the path.</summary>
    public TimeSpan EndToEndWarmUp { get; private set; } = TimeSpan.FromSeconds(5);
    public int CouponRequests { get; private set; } = 10_000;
    public int CouponStock { get; private set; } = 1_000;
    public int CouponConcurrency { get; private set; } = 256;
    public TimeSpan LingerDuration { get; private set; } = TimeSpan.FromSeconds(5);
    public TimeSpan IdleDuration { get; private set; } = TimeSpan.FromSeconds(30);
    public bool ViaProxy { get; private set; }
    /// <summary>
    /// Without the dashboard the services' OTLP exports fail every second and their retries are
    /// kept in memory: CPU and memory a person running the system never sees. On by default.
    /// </summary>
    public bool Dashboard { get; private set; } = true;

    /// <summary>What the idle row was measured with: the AppHost arguments and extra environment, if any.</summary>
    public string IdleLabel => AppHostArguments.Count == 0 && ResourceEnvironment.Count == 0
        ? "as configured"
        : string.Join(" ", AppHostArguments.Concat(ResourceEnvironment.Select(e => $"{e.Resource}:{e.Name}={e.Value}")));
    public HashSet<string> Sections { get; private set; } = [.. AllSections];
    public string? OutputDirectory { get; private set; }
    public List<string> AppHostArguments { get; } = [];
    /// <summary>Extra environment for a resource (e.g. consumer-worker), for experiments with client settings.</summary>
    public List<(string Resource, string Name, string Value)> ResourceEnvironment { get; } = [];

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.LoadDuration = TimeSpan.FromSeconds(3);
            o.LoadMaxCount = 10_000;
            o.Backlog = 3_000;
            o.EndToEndDuration = TimeSpan.FromSeconds(4);
            o.EndToEndWarmUp = TimeSpan.FromSeconds(1);
            o.CouponRequests = 2_000;
            o.CouponStock = 200;
            o.LingerDuration = TimeSpan.FromSeconds(1.5);
            o.IdleDuration = TimeSpan.FromSeconds(10);
        }
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            int NextInt(int min = 1) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new ArgumentException($"{arg} needs a whole number, {min} or more.");
            switch (arg)
            {
                case "--quick":
                    break;
                case "--attach":
                    o.Attach = new Uri(Next());
                    break;
                case "--kafka":
                    o.KafkaBootstrap = Next();
                    break;
                case "--appdb":
                    o.AppDbConnectionString = Next();
                    break;
                case "--redis":
                    o.RedisConnectionString = Next();
                    break;
                case "--admin-key":
                    o.AdminApiKey = Next();
                    break;
                case "--concurrency":
                    o.Concurrency = NextInt();
                    break;
                case "--duration":
                    o.LoadDuration = TimeSpan.FromSeconds(NextInt());
                    break;
                case "--max-requests":
                    o.LoadMaxCount = NextInt();
                    break;
                case "--backlog":
                    o.Backlog = NextInt();
                    break;
                case "--e2e-rate":
                    o.EndToEndRate = NextInt();
                    break;
                case "--e2e-seconds":
                    o.EndToEndDuration = TimeSpan.FromSeconds(NextInt());
                    break;
                case "--e2e-warm-up-seconds":
                    o.EndToEndWarmUp = TimeSpan.FromSeconds(NextInt(min: 0));
                    break;
                case "--e2e-poll-ms":
                    o.EndToEndPollMs = NextInt(min: 0);
                    break;
                case "--coupon-requests":
                    o.CouponRequests = NextInt();
                    break;
                case "--coupon-stock":
                    o.CouponStock = NextInt();
                    break;
                case "--coupon-concurrency":
                    o.CouponConcurrency = NextInt();
                    break;
                case "--linger-seconds":
                    o.LingerDuration = TimeSpan.FromSeconds(NextInt());
                    break;
                case "--api-env" or "--worker-env" or "--kafka-env":
                    var pair = Next().Split('=', 2);
                    if (pair.Length != 2)
                    {
                        throw new ArgumentException($"{arg} takes NAME=VALUE.");
                    }
                    o.ResourceEnvironment.Add((arg switch { "--api-env" => "producer-api", "--worker-env" => "consumer-worker", _ => "kafka" }, pair[0], pair[1]));
                    break;
                case "--idle-seconds":
                    o.IdleDuration = TimeSpan.FromSeconds(NextInt());
                    break;
                case "--via-proxy":
                    o.ViaProxy = true;
                    break;
                case "--no-dashboard":
                    o.Dashboard = false;
                    break;
                case "--only":
                    o.Sections = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    var unknown = o.Sections.Except(AllSections).ToList();
                    if (unknown.Count > 0)
                    {
                        throw new ArgumentException($"Unknown section(s) {string.Join(", ", unknown)}; known: {string.Join(", ", AllSections)}.");
                    }
                    break;
                case "--output":
                    o.OutputDirectory = Next();
                    break;
                case "--help" or "-h":
                    throw new ArgumentException(Usage);
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal))
                    {
                        o.AppHostArguments.Add(arg);
                        break;
                    }
                    throw new ArgumentException($"Unknown option '{arg}'.\n{Usage}");
            }
        }
        if (o.Attach is not null && (o.KafkaBootstrap is null || o.AppDbConnectionString is null || o.RedisConnectionString is null || o.AdminApiKey is null))
        {
            throw new ArgumentException("--attach needs --kafka, --appdb and --redis (the connection strings of the running system) " +
                "and --admin-key (its parameter admin-api-key: dotnet user-secrets list --project src/AppHost).");
        }
        return o;
    }

    public const string Usage = """
        dotnet run -c Release --project bench/KafkaPractice.Bench -- [options]
          --quick                      short smoke run (under a minute of load)
          --only a,b                   sections: accept, produce, e2e, coupon, accept-alone, drain, memory, idle
          --concurrency N              HTTP clients / raw producer records in flight (128)
          --duration S                 seconds per load run (10); --max-requests N bounds it (40000)
          --backlog N                  drain backlog (20000); 100000 exceeds the emulator's retention at 3 partitions
          --e2e-rate R --e2e-seconds S fixed rate for end-to-end latency (200/s for 15 s)
          --e2e-warm-up-seconds W      the e2e section's first W seconds, also reported apart from the rest (5; 1 with --quick)
          --e2e-poll-ms P              pause between the e2e section's MySQL polls (1; 0: back to back)
          --coupon-requests N --coupon-stock S --coupon-concurrency C   (10000 on 1000, 256 clients)
          --linger-seconds S           seconds per linger.ms setting (5)
          --idle-seconds S             seconds of the idle measurement (30; 10 with --quick)
          --via-proxy                  send HTTP through the AppHost's endpoint proxy instead of straight to the API
          --no-dashboard               start the system without the Aspire dashboard (the services' telemetry exports then fail)
                                       (always so with --Services:ProducerApiReplicas=N, N > 1: the proxy spreads over them)
          --attach URL --kafka B --appdb CS --redis CS --admin-key K   use a running system (drain needs the harness to start it)
          --api-env N=V --worker-env N=V --kafka-env N=V   extra environment for producer-api / consumer-worker / the emulator (experiments)
          --Section:Key=value          passed to the AppHost (e.g. --Services:ConsumerWorkerReplicas=3, --Services:ProducerApiReplicas=2)
        """;
}
