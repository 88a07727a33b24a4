namespace KafkaPractice.AppHost.Infrastructure;

/// <summary>Finds the server binaries Local mode runs, and says what to install when one is missing.</summary>
public static class Executables
{
    // Debian puts server daemons in sbin, which is not on every user's PATH.
    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];

    public static string? Find(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraDirectories)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    public static string Require(string name, string debianPackage) =>
        Find(name) ?? throw new MissingExecutableException(
            $"Local mode needs '{name}', which was not found on PATH or in /usr/sbin. " +
            $"Install it (Debian/Ubuntu: sudo apt-get install -y {debianPackage}), " +
            "or start Docker and run with --Infrastructure:Mode=Containers.");
}

public sealed class MissingExecutableException(string message) : Exception(message);
