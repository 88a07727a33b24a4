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
        var jitSettled = await WaitForJitToSettleAsync(ctx.Target, o.Quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(90), cancellationToken);
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
        var jitPercent = usage.SystemJitSeconds / usage.Seconds * 100;
        var row = new IdleRow(o.IdleLabel, usage.Seconds, percent, jitPercent, jitSettled?.TotalSeconds);
        ctx.Results.Idle.Add(row);
        ctx.Results.Rows.Add(new ResultRow(
            "7. Idle (no load)",
            $"system {row.SystemPercent:F1}% of one core",
            "",
            null,
            $"{usage.Seconds:F0} s; {usage}; of which background JIT {jitPercent:F1}%; JIT quiet after {(jitSettled is { } j ? $"{j.TotalSeconds:F0} s" : "(not within the bound)")}")
        {
            Values = percent.ToDictionary(p => p.Key + "_percent", p => p.Value),
        });
    }

    /// <summary>
    /// A service's code that got hot is recompiled at tier 1 on a background thread for a while
    /// after start or after a load: start-up work, not what the system costs with nothing to do.
    /// Waits until those threads have not run for 3 s in a row; returns how long that took, or
    /// null if they were still busy after <paramref name="bound"/> (then the idle figure includes them).
    /// </summary>
    private static async Task<TimeSpan?> WaitForJitToSettleAsync(SystemUnderTest system, TimeSpan bound, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var last = CpuSampler.SystemJitTicks(system);
        var quiet = 0;
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < bound)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var now = CpuSampler.SystemJitTicks(system);
            quiet = now == last ? quiet + 1 : 0;
            last = now;
            if (quiet >= 3)
            {
                var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                Progress.Say($"[idle] background JIT quiet after {waited.TotalSeconds:F0} s");
                return waited;
            }
        }
        Progress.Say($"[idle] background JIT still busy after {bound.TotalSeconds:F0} s; measuring anyway");
        return null;
    }
}
