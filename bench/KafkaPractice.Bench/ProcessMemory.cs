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
        foreach (var (pid, dir, cmdline) in CommandLines())
        {
            try
            {
                if (Runs(cmdline, assemblyName) && (markers is null || markers.Count == 0 || HasMarker(dir, cmdline, markers)))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended, or its environment is not ours to read.
            }
        }
        return null;
    }

    /// <summary>A process running <paramref name="assemblyName"/> whose parent chain leads to <paramref name="ancestor"/>.</summary>
    public static int? FindDescendant(string assemblyName, int ancestor)
    {
        foreach (var (pid, _, cmdline) in CommandLines())
        {
            if (!Runs(cmdline, assemblyName))
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
    public static int? FindWithArgument(string program, string argument) =>
        CommandLines()
            .Where(p => Runs(p.Cmdline, program) && p.Cmdline.Contains(argument, StringComparison.Ordinal))
            .Select(p => (int?)p.Pid)
            .FirstOrDefault();

    /// <summary>Whether a command line (NULs as spaces) runs <paramref name="assemblyName"/>.dll or its executable.</summary>
    private static bool Runs(string cmdline, string assemblyName) =>
        cmdline.Contains($"/{assemblyName}.dll", StringComparison.Ordinal) || cmdline.Contains($"/{assemblyName} ", StringComparison.Ordinal);

    /// <summary>Every process's id, /proc folder and command line (NULs as spaces), skipping those that end while being read.</summary>
    private static IEnumerable<(int Pid, string Dir, string Cmdline)> CommandLines()
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            yield return (pid, dir, cmdline);
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
