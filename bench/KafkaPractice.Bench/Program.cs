using KafkaPractice.Bench;
using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;
using KafkaPractice.Bench.Scenarios;

if (args is [BareEndpoint.ServeArgument])
{
    return await BareEndpoint.ServeAsync();
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Progress.Say("Cancelling; the system is stopped before exit ...");
    cancellation.Cancel();
};
var ct = cancellation.Token;

var results = new BenchResults { CommandLine = "dotnet run -c Release --project bench/KafkaPractice.Bench" + (args.Length == 0 ? "" : " -- " + string.Join(" ", args)) };
var outputDirectory = options.OutputDirectory ?? Path.Combine(RepositoryRoot(), "bench", "results");

await using var system = options.Attach is null
    ? await SystemUnderTest.StartAsync(options, ct)
    : SystemUnderTest.Attach(options);
var ctx = new BenchContext(system, options, results);
var peaks = new Dictionary<string, double>();
var pids = new Dictionary<string, HashSet<int>>();
void SamplePeaks()
{
    foreach (var resource in new[] { SystemUnderTest.Api, SystemUnderTest.Worker })
    {
        if (system.FindPid(resource) is { } pid && ProcessMemory.PeakResidentMiB(pid) is { } peak)
        {
            peaks[resource] = Math.Max(peak, peaks.GetValueOrDefault(resource));
            (pids.TryGetValue(resource, out var seen) ? seen : pids[resource] = []).Add(pid);
        }
    }
}

try
{
    ctx.BaselineRegistrations = await ctx.ScalarAsync("SELECT COUNT(*) FROM member_registrations", ct);
    LoadResult? accept = null;
    await Section("accept", async () => accept = await AcceptRate.RunAsync(ctx, ct));
    await Section("accept-alone", () =>
    {
        // Stopping the worker ends its process: keep the peak of the one that ran so far.
        SamplePeaks();
        return AcceptRate.RunWithoutWorkerAsync(ctx, ct);
    });
    await Section("produce", () => ProducePath.RunAsync(ctx, accept, ct));
    await Section("e2e", () => EndToEndLatency.RunAsync(ctx, ct));
    await Section("coupon", () => CouponBurst.RunAsync(ctx, ct));
    await Section("drain", () => DrainRate.RunAsync(ctx, SamplePeaks, ct));
    if (options.Sections.Contains("memory"))
    {
        SamplePeaks();
        results.Rows.Add(peaks.Count == 0
            ? ResultRow.NotAvailable("6. Peak memory", "no process found for producer-api or consumer-worker")
            : new ResultRow(
                "6. Peak memory (VmHWM, peak resident set)",
                string.Join(", ", peaks.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:N0} MiB")),
                "", null,
                "processes " + string.Join(", ", pids.Select(p => $"{p.Key} {string.Join("/", p.Value)}")) + "; consumer-worker: the largest peak of its processes (the drain and accept-alone sections restart it)")
            {
                Values = peaks.ToDictionary(p => p.Key + "_peak_mib", p => p.Value),
            });
    }
    await Section("idle", () => Idle.RunAsync(ctx, ct));
}
finally
{
    results.Rows.Sort((a, b) => string.CompareOrdinal(a.Measure, b.Measure));
    ResultWriter.Write(results, outputDirectory);
    Console.WriteLine();
    Console.WriteLine(ResultWriter.ToMarkdown(results));
    Progress.Say($"Written to {Path.Combine(outputDirectory, "latest.md")} and latest.json");
}
return 0;

async Task Section(string name, Func<Task> run)
{
    if (!options.Sections.Contains(name))
    {
        return;
    }
    try
    {
        await run();
    }
    catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
    {
        Progress.Say($"[{name}] failed: {ex}");
        results.Notes.Add($"Section {name} failed: {ex.GetType().Name}: {ex.Message}");
    }
}

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "KafkaPractice.sln")))
        {
            return dir.FullName;
        }
    }
    return Directory.GetCurrentDirectory();
}
