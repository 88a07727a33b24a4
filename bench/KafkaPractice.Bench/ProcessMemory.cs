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
    /// <paramref name="ancestor"/>, only one started (through any chain) by that process, so another
    /// instance of the system on the same machine is never picked.
    /// </summary>
    public static int? FindByCommandLine(string assemblyName, int? ancestor = null)
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
                    if (ancestor is null || HasAncestor(pid, ancestor.Value))
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

    private static bool HasAncestor(int pid, int ancestor)
    {
        for (var current = pid; current > 1;)
        {
            var parent = ParentOf(current);
            if (parent is null)
            {
                return false;
            }
            if (parent == ancestor)
            {
                return true;
            }
            current = parent.Value;
        }
        return false;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
