using System.Diagnostics;
using System.Globalization;

namespace KafkaPractice.Bench;

/// <summary>
/// CPU time of the system's processes (and this one) over a measurement, from /proc/{pid}/stat:
/// where the time goes, in percent of one core.
/// </summary>
public sealed class CpuSampler
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<string, (int Pid, long Ticks)> _start;
    private readonly long _started = Stopwatch.GetTimestamp();

    private CpuSampler(Dictionary<string, (int, long)> start) => _start = start;

    public static CpuSampler Start(SystemUnderTest system)
    {
        var pids = new Dictionary<string, int> { ["harness"] = Environment.ProcessId };
        foreach (var resource in new[] { "producer-api", "consumer-worker", "kafka", "mysql", "redis" })
        {
            if (system.FindPid(resource) is { } pid)
            {
                pids[resource] = pid;
            }
        }
        return new CpuSampler(pids.Where(p => Ticks(p.Value) is not null).ToDictionary(p => p.Key, p => (p.Value, Ticks(p.Value)!.Value)));
    }

    /// <summary>Percent of one core per process since <see cref="Start"/>, busiest first, e.g. "producer-api 95%, kafka 60%".</summary>
    public string Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var usage = _start
            .Select(p => (p.Key, Percent: Ticks(p.Value.Pid) is { } now ? (now - p.Value.Ticks) / TicksPerSecond / seconds * 100 : double.NaN))
            .Where(u => !double.IsNaN(u.Percent))
            .OrderByDescending(u => u.Percent);
        return "CPU (% of one core): " + string.Join(", ", usage.Select(u => $"{u.Key} {u.Percent:F0}%"));
    }

    /// <summary>utime + stime of a process and its waited-for children, in clock ticks.</summary>
    private static long? Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces: fields count from after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
