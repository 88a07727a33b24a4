using System.Diagnostics;

namespace KafkaPractice.AppHost.Infrastructure;

public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, otherwise Local.</summary>
    Auto,
    /// <summary>Kafka emulator, MariaDB and Redis as local executables, on 127.0.0.1.</summary>
    Local,
    /// <summary>Three apache/kafka KRaft brokers, mysql:8.4 and redis containers.</summary>
    Containers,
}

public sealed record InfrastructureChoice(InfrastructureMode Mode, string Reason);

public static class InfrastructureModeResolver
{
    public const string ConfigurationKey = "Infrastructure:Mode";

    /// <summary>The setting Aspire reads to choose its container runtime (docker by default).</summary>
    public const string ContainerRuntimeKey = "ASPIRE_CONTAINER_RUNTIME";

    /// <summary>
    /// Reads <c>Infrastructure:Mode</c>; for <c>Auto</c>, asks <c>docker</c> (then <c>podman</c>)
    /// whether a container engine answers. The docker CLI alone is not enough: with no engine
    /// behind it, every container would wait forever for an image.
    /// </summary>
    public static InfrastructureChoice Resolve(IConfiguration configuration, Func<string, bool>? runtimeAnswers = null)
    {
        var raw = configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(raw))
        {
            raw = nameof(InfrastructureMode.Auto);
        }
        if (!Enum.TryParse<InfrastructureMode>(raw, ignoreCase: true, out var mode) || !Enum.IsDefined(mode))
        {
            throw new InvalidOperationException(
                $"{ConfigurationKey} is '{raw}'; use Auto, Local or Containers (e.g. --{ConfigurationKey}=Local).");
        }
        if (mode != InfrastructureMode.Auto)
        {
            return new InfrastructureChoice(mode, $"{ConfigurationKey}={mode} was set explicitly");
        }

        runtimeAnswers ??= ContainerRuntimeAnswers;
        foreach (var runtime in new[] { "docker", "podman" })
        {
            if (runtimeAnswers(runtime))
            {
                if (runtime == "podman" && string.IsNullOrEmpty(configuration[ContainerRuntimeKey]))
                {
                    // Aspire drives docker unless told otherwise; only podman answered.
                    configuration[ContainerRuntimeKey] = "podman";
                    return new InfrastructureChoice(InfrastructureMode.Containers, $"Auto: the podman engine answered (docker did not), so {ContainerRuntimeKey}=podman");
                }
                return new InfrastructureChoice(InfrastructureMode.Containers, $"Auto: the {runtime} engine answered");
            }
        }
        return new InfrastructureChoice(InfrastructureMode.Local, "Auto: no container engine answered (docker/podman info failed)");
    }

    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }
}
