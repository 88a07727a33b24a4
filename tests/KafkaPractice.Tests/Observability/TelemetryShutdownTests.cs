using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KafkaPractice.Tests.Observability;

/// <summary>
/// A stopping service must not wait on its telemetry: with spans pending and a collector that
/// accepts connections but never answers, each signal's export used to take the OTLP timeout (10 s),
/// one after another, and the worker outlived the orchestrator's stop timeout.
/// </summary>
public sealed class TelemetryShutdownTests
{
    private static readonly Action<ILogger, Exception?> PendingLog =
        LoggerMessage.Define(LogLevel.Warning, new EventId(1), "pending log record");

    [Fact]
    public async Task A_host_with_pending_telemetry_and_a_silent_collector_stops_within_the_flush_bound()
    {
        using var silentCollector = new TcpListener(IPAddress.Loopback, 0);
        silentCollector.Start();
        var accepted = new List<TcpClient>();
        using var stopAccepting = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await silentCollector.AcceptTcpClientAsync(stopAccepting.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)silentCollector.LocalEndpoint).Port}",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "60000",
            // Each export would wait this long for the silent collector: an unbounded shutdown takes
            // at least 30 s, a bounded one about ShutdownTimeoutMs. The margin between the two keeps
            // the check independent of how busy the machine is.
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "30000",
            ["OpenTelemetry:ShutdownTimeoutMs"] = "1000",
        });
        builder.ConfigureOpenTelemetry();
        using var host = builder.Build();
        await host.StartAsync();

        using (var source = new ActivitySource("KafkaPractice.ShutdownTest"))
        {
            for (var i = 0; i < 50; i++)
            {
                using var activity = source.StartActivity("pending span");
            }
        }

        PendingLog(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KafkaPractice.ShutdownTest"), null);

        var stopwatch = Stopwatch.StartNew();
        await host.StopAsync();
        host.Dispose();
        stopwatch.Stop();

        await stopAccepting.CancelAsync();
        await accepting;
        // A connection the kernel completed while the accept loop had not run yet (a busy machine)
        // still reached the collector: it waits in the listen backlog.
        while (silentCollector.Pending())
        {
            accepted.Add(silentCollector.AcceptTcpClient());
        }
        accepted.ForEach(c => c.Dispose());
        // The exporters did reach the collector: the host had something to wait for, and did not.
        Assert.NotEmpty(accepted);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"stop and dispose took {stopwatch.Elapsed.TotalSeconds:F1} s; an export was waited for");
    }
}
