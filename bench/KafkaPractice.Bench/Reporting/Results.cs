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

public sealed class BenchResults
{
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";
    public string CommandLine { get; set; } = "";
    public List<ResultRow> Rows { get; } = [];
    public List<LingerRow> Linger { get; } = [];
    public List<string> Notes { get; } = [];
}
