using System.Diagnostics;
using System.Text.RegularExpressions;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// run.sh, test.sh and scripts/: mode first, then only what that mode needs; bash 3.2 (macOS) syntax;
/// shellcheck clean. Container engines are stood in for by stub docker/podman commands on PATH, so
/// "an engine answers" and "no engine answers" are both exercised on this machine.
/// </summary>
public sealed partial class ScriptTests : IDisposable
{
    private static readonly string Root = RepositoryRoot();
    private static readonly string[] Scripts = ["run.sh", "test.sh", "scripts/prerequisites.sh", ".ci/run"];
    private readonly string _stubs = Directory.CreateTempSubdirectory("kafkapractice-stubs-").FullName;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KafkaPractice.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("KafkaPractice.sln not found above the test assembly.");
    }

    /// <summary>Puts a stub <paramref name="command"/> first on PATH that exits with <paramref name="exitCode"/>.</summary>
    private void Stub(string command, int exitCode)
    {
        var path = Path.Combine(_stubs, command);
        File.WriteAllText(path, $"#!/bin/sh\nexit {exitCode}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private async Task<(int ExitCode, string Output)> BashAsync(string script, params (string Name, string? Value)[] environment)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["PATH"] = _stubs + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment.Remove("Infrastructure__Mode");
        start.Environment.Remove("KAFKAPRACTICE_TEST_MODE");
        start.Environment.Remove("ASPIRE_CONTAINER_RUNTIME");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task Run_sh_in_containers_mode_without_an_engine_fails_at_once_naming_the_engine_not_mariadb()
    {
        Stub("docker", 1);
        Stub("podman", 1);

        var (exitCode, output) = await BashAsync("./run.sh --Infrastructure:Mode=Containers");

        Assert.NotEqual(0, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: Containers mode needs a running container engine", line, StringComparison.Ordinal);
        Assert.DoesNotContain("mariadb", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("redis", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("==> building", output);
    }

    [Fact]
    public async Task Test_sh_in_containers_mode_without_an_engine_fails_at_once()
    {
        Stub("docker", 1);
        Stub("podman", 1);

        var (exitCode, output) = await BashAsync("./test.sh", ("KAFKAPRACTICE_TEST_MODE", "Containers"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Containers mode needs a running container engine", output);
        Assert.DoesNotContain("==> building", output);
    }

    [Theory]
    [InlineData(0, 1, "", "Containers", "docker")]
    [InlineData(1, 0, "", "Containers", "podman")]
    [InlineData(1, 1, "", "Local", "")]
    [InlineData(0, 0, "--Infrastructure:Mode=Local", "Local", "")]
    [InlineData(1, 1, "--Infrastructure:Mode containers", "Containers", "")]
    public async Task Mode_is_decided_like_the_apphost_does(int dockerExit, int podmanExit, string args, string mode, string engine)
    {
        Stub("docker", dockerExit);
        Stub("podman", podmanExit);

        var (exitCode, output) = await BashAsync($"set -euo pipefail; source scripts/prerequisites.sh; kp_resolve_mode {args}; echo \"mode=$KP_MODE engine=${{KP_ENGINE:-}}\"");

        Assert.Equal(0, exitCode);
        Assert.Contains($"mode={mode} engine={engine}", output);
    }

    [Fact]
    public async Task Environment_variable_sets_the_mode_when_no_argument_does()
    {
        Stub("docker", 0);

        var (_, output) = await BashAsync("source scripts/prerequisites.sh; kp_resolve_mode; echo \"mode=$KP_MODE\"", ("Infrastructure__Mode", "Local"));

        Assert.Contains("mode=Local", output);
    }

    [Fact]
    public async Task Podman_alone_tells_aspire_to_use_podman()
    {
        Stub("docker", 1);
        Stub("podman", 0);

        var (exitCode, output) = await BashAsync("set -euo pipefail; source scripts/prerequisites.sh; kp_check_prerequisites run; echo \"runtime=$ASPIRE_CONTAINER_RUNTIME\"");

        Assert.Equal(0, exitCode);
        Assert.Contains("runtime=podman", output);
        Assert.DoesNotContain("mariadb", output, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("debian", "mariadbd", "mariadb-server", "sudo apt-get update && sudo apt-get install -y mariadb-server")]
    [InlineData("fedora", "redis-server", "redis", "sudo dnf install -y redis")]
    [InlineData("macos", "mariadbd", "mariadb", "brew install mariadb")]
    [InlineData("fedora", "shellcheck", "ShellCheck", "sudo dnf install -y ShellCheck")]
    public async Task Install_hint_names_the_package_for_the_platform(string os, string command, string package, string hint)
    {
        var (_, output) = await BashAsync($"source scripts/prerequisites.sh; p=$(kp_package {os} {command}); echo \"package=$p\"; echo \"hint=$(kp_install_hint {os} \"$p\")\"");

        Assert.Contains($"package={package}\n", output);
        Assert.Contains($"hint={hint}\n", output);
    }

    [Fact]
    public async Task Scripts_parse_in_posix_mode()
    {
        foreach (var script in Scripts)
        {
            var (exitCode, output) = await BashAsync($"bash --posix -n {script}");
            Assert.True(exitCode == 0, $"{script}: {output}");
        }
    }

    [Fact]
    public async Task Scripts_are_shellcheck_clean()
    {
        var (exitCode, output) = await BashAsync("shellcheck -x " + string.Join(' ', Scripts));

        Assert.True(exitCode == 0, output);
    }

    // bash 4+ only: associative arrays, mapfile/readarray, case conversion, namerefs, coproc, |& and &>>.
    [GeneratedRegex(@"declare\s+-[a-zA-Z]*[An]|local\s+-[a-zA-Z]*[An]|\bmapfile\b|\breadarray\b|\$\{[^}]*(,,|\^\^)[^}]*\}|\bcoproc\b|\|&|&>>|;;&")]
    private static partial Regex Bash4Only();

    [Fact]
    public void Scripts_use_only_bash_3_2_syntax()
    {
        foreach (var script in Scripts)
        {
            var lines = File.ReadAllLines(Path.Combine(Root, script));
            var offending = lines.Select((line, i) => (Line: line, Number: i + 1))
                .Where(l => !l.Line.TrimStart().StartsWith('#') && Bash4Only().IsMatch(l.Line))
                .Select(l => $"{script}:{l.Number}: {l.Line.Trim()}")
                .ToList();
            Assert.True(offending.Count == 0, "bash 4+ syntax (macOS ships bash 3.2):\n" + string.Join("\n", offending));
        }
    }

    public void Dispose() => Directory.Delete(_stubs, recursive: true);
}
