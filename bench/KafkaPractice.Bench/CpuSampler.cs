using System.Diagnostics;
using System.Globalization;

namespace KafkaPractice.Bench;

/// <summary>
/// CPU time of the system's processes (and this one) over a measurement, from /proc/{pid}/stat
/// (utime + stime): where the time goes, in percent of one core and in microseconds per operation.
/// </summary>
public sealed class CpuSampler
{
    /// <summary>The processes every sample looks for, in the order the tables print them.</summary>
    public static readonly string[] Processes = ["producer-api", "consumer-worker", "kafka", "mysql", "redis", BareEndpointProcess, DashboardProcess, "harness"];

    /// <summary>The bare Kestrel endpoint, a child process of the harness (the accept section's reference).</summary>
    public const string BareEndpointProcess = "bare-endpoint";

    /// <summary>The Aspire dashboard, which receives the services' telemetry: shown, but not part of the system's sum.</summary>
    public const string DashboardProcess = "dashboard";

    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    /// <summary>The runtime's background JIT thread (tier-1 recompilation), as /proc names it (15 characters).</summary>
    private const string JitThread = ".NET Tiered Com";

    /// <summary>The system's processes that run on .NET (and so have a JIT thread).</summary>
    private static readonly string[] DotNetServices = ["producer-api", "consumer-worker", "kafka"];

    private readonly Dictionary<string, (int Pid, long Ticks)> _start;
    private readonly Dictionary<string, long> _jitStart;
    private readonly long _started = Stopwatch.GetTimestamp();

    private CpuSampler(Dictionary<string, (int, long)> start)
    {
        _start = start;
        _jitStart = start.ToDictionary(p => p.Key, p => ThreadTicks(p.Value.Item1, JitThread));
    }

    /// <param name="extra">Further processes to sample by name, e.g. the bare endpoint's child process.</param>
    public static CpuSampler Start(SystemUnderTest system, IReadOnlyDictionary<string, int>? extra = null)
    {
        var pids = new Dictionary<string, int> { ["harness"] = Environment.ProcessId };
        foreach (var resource in new[] { "producer-api", "consumer-worker", "kafka", "mysql", "redis", DashboardProcess })
        {
            if (system.FindPid(resource) is { } pid)
            {
                pids[resource] = pid;
            }
        }
        foreach (var (name, pid) in extra ?? new Dictionary<string, int>())
        {
            pids[name] = pid;
        }
        return new CpuSampler(pids.Where(p => Ticks(p.Value) is not null).ToDictionary(p => p.Key, p => (p.Value, Ticks(p.Value)!.Value)));
    }

    /// <summary>
    /// utime + stime of the background JIT threads of the system's .NET processes (API, worker,
    /// emulator), in clock ticks: unchanged from one reading to the next means tier-1
    /// recompilation has stopped for now.
    /// </summary>
    public static long SystemJitTicks(SystemUnderTest system) =>
        DotNetServices.Sum(r => system.FindPid(r) is { } pid ? ThreadTicks(pid, JitThread) : 0);

    /// <summary>CPU seconds per process since <see cref="Start"/>, and the wall time.</summary>
    public CpuUsage Stop()
    {
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var used = new Dictionary<string, double>();
        var jit = new Dictionary<string, double>();
        foreach (var (name, (pid, ticks)) in _start)
        {
            if (Ticks(pid) is { } now)
            {
                used[name] = (now - ticks) / TicksPerSecond;
                jit[name] = Math.Max(0, ThreadTicks(pid, JitThread) - _jitStart[name]) / TicksPerSecond;
            }
        }
        return new CpuUsage(seconds, used) { JitSeconds = jit };
    }

    /// <summary>
    /// utime + stime of a process's live threads with this name, in clock ticks (the runtime
    /// starts its background JIT thread when needed and ends it when idle, so this undercounts
    /// a thread that ended during the measurement).
    /// </summary>
    private static long ThreadTicks(int pid, string threadName)
    {
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != threadName)
                    {
                        continue;
                    }
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // The thread ended.
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return total;
    }

    /// <summary>utime + stime of a process (its own threads), in clock ticks.</summary>
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

/// <summary>CPU seconds each process used over <see cref="Seconds"/> of wall time.</summary>
public sealed record CpuUsage(double Seconds, IReadOnlyDictionary<string, double> CpuSeconds)
{
    /// <summary>Of <see cref="CpuSeconds"/>, the part in the runtime's background JIT thread (tier-1 recompilation).</summary>
    public IReadOnlyDictionary<string, double> JitSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>Seconds of background JIT in the system's processes (<see cref="Reporting.CpuRow.SystemProcesses"/>: not the harness, the dashboard or the bare endpoint), the part of the system's CPU it is compared with.</summary>
    public double SystemJitSeconds => JitSeconds.Where(p => Reporting.CpuRow.SystemProcesses.Contains(p.Key)).Sum(p => p.Value);

    /// <summary>Microseconds of background JIT per operation, over the system's processes.</summary>
    public double JitMicrosecondsPer(double operations) =>
        operations > 0 ? SystemJitSeconds * 1e6 / operations : double.NaN;

    /// <summary>Percent of one core per process.</summary>
    public Dictionary<string, double> PercentOfCore() => CpuSeconds.ToDictionary(p => p.Key, p => p.Value / Seconds * 100);

    /// <summary>Microseconds of CPU per operation, per process.</summary>
    public Dictionary<string, double> MicrosecondsPer(double operations) =>
        CpuSeconds.ToDictionary(p => p.Key, p => operations > 0 ? p.Value * 1e6 / operations : double.NaN);

    /// <summary>"CPU (% of one core): producer-api 95%, kafka 60%", busiest first.</summary>
    public override string ToString() =>
        "CPU (% of one core): " + string.Join(", ", PercentOfCore().OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value:F0}%"));
}
