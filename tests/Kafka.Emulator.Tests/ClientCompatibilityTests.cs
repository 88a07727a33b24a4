using System.Diagnostics;
using System.Text.Json;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>
/// The basic paths (metadata, acks=all produce, consume, consumer group) with clients the project
/// did not write: kcat (librdkafka's command-line client), kafka-python (Debian's python3-kafka,
/// a pure-Python protocol implementation) and kafkajs (npm, tests/clients/kafkajs).
/// scripts/prerequisites.sh installs them for test.sh (kafkajs where node and npm exist).
/// </summary>
public sealed class ClientCompatibilityTests : IAsyncLifetime
{
    private const string DebianPython = "/usr/bin/python3";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Kcat_sees_three_brokers_produces_with_acks_all_and_reads_back_alone_and_in_a_group()
    {
        var topic = $"kcat-{Guid.NewGuid():N}";
        var metadata = JsonDocument.Parse(await RunAsync("kcat", $"-L -J -b {_cluster.Bootstrap}")).RootElement;
        Assert.Equal(3, metadata.GetProperty("brokers").GetArrayLength());

        var lines = string.Concat(Enumerable.Range(0, 50).Select(i => $"k{i}:v{i}\n"));
        await RunAsync("kcat", $"-P -b {_cluster.Bootstrap} -t {topic} -K: -X acks=all -X enable.idempotence=true", stdin: lines);

        var alone = await RunAsync("kcat", $"-C -b {_cluster.Bootstrap} -t {topic} -o beginning -e -q -f %k=%s\\n");
        Assert.Equal(Expected(50), Sorted(alone));

        var grouped = await RunAsync("kcat", $"-b {_cluster.Bootstrap} -G kcat-{Guid.NewGuid():N} -X auto.offset.reset=earliest -e -q -f %k=%s\\n {topic}");
        Assert.Equal(Expected(50), Sorted(grouped));
    }

    [Fact]
    public async Task Kafka_python_produces_with_acks_all_and_reads_back_in_a_group()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Compatibility", "kafka_python_basic.py");
        var output = await RunAsync(DebianPython, $"{script} {_cluster.Bootstrap} py-{Guid.NewGuid():N} 30");
        Assert.Contains("consumed 30", output, StringComparison.Ordinal);
    }

    [KafkajsFact]
    public async Task Kafkajs_produces_idempotently_with_acks_all_and_reads_back_in_a_group()
    {
        var output = await RunAsync("node", $"basic.js {_cluster.Bootstrap} kjs-{Guid.NewGuid():N} 30", workingDirectory: KafkajsFactAttribute.Folder);
        Assert.Contains("produced 30", output, StringComparison.Ordinal);
        Assert.Contains("consumed 30", output, StringComparison.Ordinal);
    }

    private static string[] Expected(int count) => [.. Enumerable.Range(0, count).Select(i => $"k{i}=v{i}").Order(StringComparer.Ordinal)];

    private static string[] Sorted(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];

    /// <summary>Runs a client to completion; a missing client fails the test with the command that installs it.</summary>
    private static async Task<string> RunAsync(string file, string arguments, string? stdin = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            WorkingDirectory = workingDirectory ?? "",
        };
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{file} is not installed: run scripts/prerequisites.sh with KAFKAPRACTICE_WITH_TEST_TOOLS=1 (kcat, python3-kafka).", ex);
        }
        using (process)
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
                process.StandardInput.Close();
            }
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {arguments} did not finish: {await stderr}");
            }
            Assert.True(process.ExitCode == 0, $"{file} {arguments} exited {process.ExitCode}: {await stderr}");
            return await stdout;
        }
    }
}

/// <summary>
/// A test that needs node and kafkajs (tests/clients/kafkajs, installed by scripts/prerequisites.sh with
/// KAFKAPRACTICE_WITH_TEST_TOOLS=1 where npm exists): reported as skipped, not passed, without them.
/// </summary>
internal sealed class KafkajsFactAttribute : FactAttribute
{
    public static string Folder { get; } = FindFolder();

    public KafkajsFactAttribute()
    {
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "node"))))
        {
            Skip = "node is not installed: kafkajs cannot run (the compatibility table's kafkajs rows stay reproduced by hand).";
        }
        else if (!Directory.Exists(Path.Combine(Folder, "node_modules", "kafkajs")))
        {
            Skip = $"kafkajs is not installed in {Folder}: run scripts/prerequisites.sh with KAFKAPRACTICE_WITH_TEST_TOOLS=1, or npm ci there.";
        }
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KafkaPractice.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "clients", "kafkajs");
            }
        }
        return Path.Combine(AppContext.BaseDirectory, "tests", "clients", "kafkajs");
    }
}
