using System.Globalization;

namespace KafkaPractice.Bench.Load;

/// <summary>
/// What the machine did since the last call, for a per-second progress line: how busy its cores
/// were, how much time the hypervisor gave to other guests (steal), and which of the system's
/// processes used the most CPU. Tells a slow second caused by the machine from one caused by a
/// process of the system.
/// </summary>
public sealed class MachineWindow
{
    private readonly SystemUnderTest _system;
    private long[] _cpu = ReadProcStat();
    private CpuSampler _processes;

    public MachineWindow(SystemUnderTest system)
    {
        _system = system;
        _processes = CpuSampler.Start(system);
    }

    /// <summary>"machine 87% busy, steal 0%; kafka 62%, producer-api 55%" for the time since the last call.</summary>
    public string Take()
    {
        var now = ReadProcStat();
        var processes = _processes.Stop();
        _processes = CpuSampler.Start(_system);
        var previous = _cpu;
        _cpu = now;
        if (now.Length < 8 || previous.Length < 8)
        {
            return "machine: /proc/stat unreadable";
        }
        // user nice system idle iowait irq softirq steal
        var delta = now.Zip(previous, (a, b) => (double)(a - b)).ToArray();
        var total = delta.Sum();
        if (total <= 0)
        {
            return "machine: no ticks yet";
        }
        var idle = delta[3] + delta[4];
        var busiest = processes.PercentOfCore()
            .Where(p => p.Key != "harness")
            .OrderByDescending(p => p.Value)
            .Take(2)
            .Select(p => $"{p.Key} {p.Value:F0}%");
        return $"machine {(total - idle) / total * 100:F0}% busy, steal {delta[7] / total * 100:F0}%; {string.Join(", ", busiest)}";
    }

    /// <summary>The first eight fields of /proc/stat's "cpu" line (all cores), in clock ticks.</summary>
    private static long[] ReadProcStat()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine() ?? "";
            return line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Skip(1)
                .Take(8)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture))
                .ToArray();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
