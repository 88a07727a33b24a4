namespace KafkaPractice.Bench.Reporting;

/// <summary>One line of the results table: a figure, its in-run reference, and figure / reference.</summary>
public sealed record ResultRow(string Measure, string Figure, string Reference, double? Ratio, string Notes)
{
    /// <summary>The raw numbers behind the row, for the JSON file.</summary>
    public Dictionary<string, double> Values { get; init; } = [];

    public static ResultRow NotAvailable(string measure, string why) => new(measure, "not available", "", null, why);
}

/// <summary>Producer throughput and per-record acknowledgement latency at one linger.ms and load.</summary>
public sealed record LingerRow(int LingerMs, int InFlight, double RecordsPerSecond, double P50Ms, double P99Ms);

/// <summary>
/// CPU per operation of every process during one measured run. A floor row is a reference run:
/// one part of the system alone doing the same operations (bare endpoint, raw producer, raw
/// inserts, raw script). A comparison row (<see cref="Part"/> set, not a floor) is a reference run
/// kept out of the floors' sum, such as the raw inserts with the worker's reads.
/// </summary>
public sealed record CpuRow(string Section, string Run, bool Floor, string Operation, double Operations, double Seconds, Dictionary<string, double> MicrosecondsPerOperation, string[] Part)
{
    /// <summary>Of the system's figure, the runtime's background JIT (tier-1 recompilation) in the .NET processes.</summary>
    public double JitMicroseconds { get; init; }

    /// <summary>The processes of the system (API, worker, Kafka, MySQL, Redis), without the harness.</summary>
    public static readonly string[] SystemProcesses = ["producer-api", "consumer-worker", "kafka", "mysql", "redis"];

    public double SystemMicroseconds => SystemProcesses.Sum(p => MicrosecondsPerOperation.GetValueOrDefault(p));

    /// <summary>The processes that do this row's work: the system, or for a floor row the part measured.</summary>
    public double PartMicroseconds => Part.Sum(p => MicrosecondsPerOperation.GetValueOrDefault(p));
}

/// <summary>CPU of each process with no load, in percent of one core.</summary>
/// <param name="JitPercent">Of the system's CPU, the part in the runtime's background JIT threads (start-up work, not idle cost).</param>
/// <param name="JitSettledSeconds">How long the section waited for those threads to go quiet before measuring (null: they did not within the bound).</param>
public sealed record IdleRow(string Setting, double Seconds, Dictionary<string, double> PercentOfCore, double JitPercent = 0, double? JitSettledSeconds = null)
{
    public double SystemPercent => CpuRow.SystemProcesses.Sum(p => PercentOfCore.GetValueOrDefault(p));
}

public sealed class BenchResults
{
    public List<CpuRow> Cpu { get; } = [];
    public List<IdleRow> Idle { get; } = [];

    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";
    public string CommandLine { get; set; } = "";
    public List<ResultRow> Rows { get; } = [];
    public List<LingerRow> Linger { get; } = [];
    public List<string> Notes { get; } = [];
}
