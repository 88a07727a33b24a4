namespace KafkaPractice.Tests.Infrastructure;

/// <summary>
/// The infrastructure mode the whole-system tests run against, from <c>KAFKAPRACTICE_TEST_MODE</c>:
/// <c>Local</c> (default: the emulator, MariaDB and Redis as processes) or <c>Containers</c> (real
/// apache/kafka, mysql and redis containers; needs Docker or Podman).
/// </summary>
public static class TestMode
{
    public const string EnvironmentVariable = "KAFKAPRACTICE_TEST_MODE";

    public static string Current { get; } = Read();

    public static bool IsContainers => Current == "Containers";

    private static string Read()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value) || value.Equals("Local", StringComparison.OrdinalIgnoreCase))
        {
            return "Local";
        }
        if (value.Equals("Containers", StringComparison.OrdinalIgnoreCase))
        {
            return "Containers";
        }
        throw new InvalidOperationException($"{EnvironmentVariable} is '{value}'; use Local or Containers.");
    }
}

/// <summary>A test that only makes sense against the Local-mode emulator (it uses its control API or a local process); skipped, with the reason, in Containers mode.</summary>
public sealed class LocalModeFactAttribute : FactAttribute
{
    public LocalModeFactAttribute(string reason)
    {
        if (TestMode.IsContainers)
        {
            Skip = $"Local mode only: {reason}";
        }
    }
}

/// <summary>A test that needs real Kafka containers; skipped, with the reason, in Local mode.</summary>
public sealed class ContainersModeFactAttribute : FactAttribute
{
    public ContainersModeFactAttribute(string reason)
    {
        if (!TestMode.IsContainers)
        {
            Skip = $"Containers mode only (KAFKAPRACTICE_TEST_MODE=Containers): {reason}";
        }
    }
}
