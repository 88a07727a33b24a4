using System.Globalization;

namespace KafkaPractice.Bench;

/// <summary>Reads a process's memory figures from /proc (Linux).</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in MiB, or null when the process is gone or /proc is not there.</summary>
    public static double? PeakResidentMiB(int pid) => ReadKiB(pid, "VmHWM:") / 1024.0;

    public static double? ResidentMiB(int pid) => ReadKiB(pid, "VmRSS:") / 1024.0;

    private static double? ReadKiB(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var number = line[field.Length..].Trim().Split(' ')[0];
                    return double.Parse(number, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>
    /// A process whose command line names <paramref name="assemblyName"/>.dll or its executable; with
    /// <paramref name="markers"/>, only one whose command line or environment holds one of them (this
    /// run's ports and state folder), so another instance of the system on the machine is never picked.
    /// </summary>
    public static int? FindByCommandLine(string assemblyName, IReadOnlyCollection<string>? markers = null)
    {
        if (!Directory.Exists("/proc"))
        {
            return null;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains($"/{assemblyName}.dll", StringComparison.Ordinal) || cmdline.Contains($"/{assemblyName} ", StringComparison.Ordinal)
                    || cmdline.EndsWith($"/{assemblyName} ", StringComparison.Ordinal))
                {
                    if (markers is null || markers.Count == 0 || HasMarker(dir, cmdline, markers))
                    {
                        return pid;
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    /// <summary>A process running <paramref name="assemblyName"/> whose parent chain leads to <paramref name="ancestor"/>.</summary>
    public static int? FindDescendant(string assemblyName, int ancestor)
    {
        foreach (var dir in Directory.Exists("/proc") ? Directory.EnumerateDirectories("/proc") : [])
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || FindByCommandLine(assemblyName, pid) is null)
            {
                continue;
            }
            for (var p = pid; p > 1; p = ParentOf(p) ?? 0)
            {
                if (p == ancestor)
                {
                    return pid;
                }
            }
        }
        return null;
    }

    /// <summary>A process running <paramref name="program"/> whose command line holds <paramref name="argument"/>.</summary>
    public static int? FindWithArgument(string program, string argument)
    {
        foreach (var dir in Directory.Exists("/proc") ? Directory.EnumerateDirectories("/proc") : [])
        {
            try
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid)
                    && File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ') is var cmdline
                    && cmdline.Contains($"/{program} ", StringComparison.Ordinal)
                    && cmdline.Contains(argument, StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    /// <summary><paramref name="pid"/> when its command line runs <paramref name="assemblyName"/>.</summary>
    private static int? FindByCommandLine(string assemblyName, int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains($"/{assemblyName}.dll", StringComparison.Ordinal) || cmdline.Contains($"/{assemblyName} ", StringComparison.Ordinal) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], System.Globalization.CultureInfo.InvariantCulture, out var ppid) ? ppid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool HasMarker(string procDirectory, string cmdline, IReadOnlyCollection<string> markers)
    {
        if (markers.Any(m => cmdline.Contains(m, StringComparison.Ordinal)))
        {
            return true;
        }
        var environment = File.ReadAllText(Path.Combine(procDirectory, "environ"));
        return markers.Any(m => environment.Contains(m, StringComparison.Ordinal));
    }
}
