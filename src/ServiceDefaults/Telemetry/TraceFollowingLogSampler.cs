using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KafkaPractice.ServiceDefaults.Telemetry;

/// <summary>
/// Logs follow the traces: a record at Information or below that is written inside a trace the
/// service does not record is dropped, from every log provider (console and OpenTelemetry alike).
/// The logs then hold the same operations as the traces: every one on a quiet system, about
/// <c>OpenTelemetry:MaxTracesPerSecond</c> a second under load, each with its trace. Warnings and
/// errors are always written, and so is whatever is written outside a trace (start-up, shutdown,
/// background loops between operations).
/// </summary>
/// <remarks>
/// Without it, a service under load writes its per-operation lines (a registration accepted, a
/// batch stored) thousands of times a second, and exporting them to the dashboard costs more CPU
/// than the operations they describe, while the dashboard keeps only its last few thousand.
/// </remarks>
public sealed class TraceFollowingLogSampler : LoggingSampler
{
    public override bool ShouldSample<TState>(in LogEntry<TState> logEntry) =>
        logEntry.LogLevel >= LogLevel.Warning || Activity.Current is not { } activity || activity.Recorded;
}
