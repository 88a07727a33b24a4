using System.Diagnostics;
using System.Text.Json;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>
/// The basic paths (metadata, acks=all produce, consume, consumer group) with clients the project
/// did not write: kcat (librdkafka's command-line client) and kafka-python (Debian's python3-kafka,
/// a pure-Python protocol implementation). scripts/prerequisites.sh installs both for test.sh.
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

    private static string[] Expected(int count) => [.. Enumerable.Range(0, count).Select(i => $"k{i}=v{i}").Order(StringComparer.Ordinal)];

    private static string[] Sorted(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];

    /// <summary>Runs a client to completion; a missing client fails the test with the command that installs it.</summary>
    private static async Task<string> RunAsync(string file, string arguments, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
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
