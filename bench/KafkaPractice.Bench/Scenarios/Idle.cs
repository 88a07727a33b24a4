using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;

namespace KafkaPractice.Bench.Scenarios;

/// <summary>
/// Section 7: the system with nothing to do. After the worker has caught up and a settling pause,
/// no load for 30 s (10 s with --quick): the CPU each process uses, in percent of one core.
/// </summary>
public static class Idle
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken cancellationToken)
    {
        var o = ctx.Options;
        var duration = o.IdleDuration;
        await ctx.WaitForWorkerToCatchUpAsync(cancellationToken);
        // Batches in flight, commits and the last statistics windows settle first.
        await Task.Delay(TimeSpan.FromSeconds(o.Quick ? 2 : 5), cancellationToken);
        Progress.Say($"[idle] no load for {duration.TotalSeconds:F0} s");
        var cpu = CpuSampler.Start(ctx.Target);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using (Progress.Start("idle seconds", () => (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds))
        {
            await Task.Delay(duration, cancellationToken);
        }
        var usage = cpu.Stop();
        Progress.Say($"  idle {usage}");
        var percent = usage.PercentOfCore();
        var row = new IdleRow(o.IdleLabel, usage.Seconds, percent);
        ctx.Results.Idle.Add(row);
        ctx.Results.Rows.Add(new ResultRow(
            "7. Idle (no load)",
            $"system {row.SystemPercent:F1}% of one core",
            "",
            null,
            $"{usage.Seconds:F0} s; {usage}")
        {
            Values = percent.ToDictionary(p => p.Key + "_percent", p => p.Value),
        });
    }
}
