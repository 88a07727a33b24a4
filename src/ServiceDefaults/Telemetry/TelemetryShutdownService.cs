using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace KafkaPractice.ServiceDefaults.Telemetry;

/// <summary>
/// Flushes traces, metrics and logs once the host has stopped, all three at once and within
/// <see cref="Timeout"/>. Left to the container's disposal they flush one after another, each
/// export retrying for up to the OTLP timeout (10 s) when no collector answers: with spans
/// pending that alone outlasts an orchestrator's stop timeout, and the process is killed.
/// </summary>
public sealed partial class TelemetryShutdownService(
    IServiceProvider services,
    ILogger<TelemetryShutdownService> logger,
    TimeSpan timeout) : IHostedLifecycleService
{
    public TimeSpan Timeout { get; } = timeout;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var ms = (int)Timeout.TotalMilliseconds;
        var tracer = services.GetService(typeof(TracerProvider)) as TracerProvider;
        var meter = services.GetService(typeof(MeterProvider)) as MeterProvider;
        var logs = services.GetService(typeof(LoggerProvider)) as LoggerProvider;
        // Shutdown(timeout) gives up on an export still in flight after the timeout; the later
        // disposal of the providers then has nothing left to do.
        Task[] flushes =
        [
            Task.Run(() => tracer?.Shutdown(ms), CancellationToken.None),
            Task.Run(() => meter?.Shutdown(ms), CancellationToken.None),
            Task.Run(() => logs?.Shutdown(ms), CancellationToken.None),
        ];
        try
        {
            await Task.WhenAll(flushes).WaitAsync(Timeout + TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }
        catch (TimeoutException)
        {
            // Whatever did not leave in time is lost; the stop is worth more than the last spans.
        }
        Log.Flushed(logger, stopwatch.ElapsedMilliseconds);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Debug, Message = "Telemetry flushed and shut down in {ElapsedMs} ms")]
        public static partial void Flushed(ILogger logger, long elapsedMs);
    }
}
