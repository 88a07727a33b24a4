using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KafkaPractice.Bench.Reporting;

/// <summary>The results as a console table, a markdown file and a JSON file.</summary>
public static class ResultWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string ToMarkdown(BenchResults results)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run of {results.StartedAt:yyyy-MM-dd HH:mm} UTC on {results.Machine}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{results.CommandLine}`");
        md.AppendLine();
        md.AppendLine("| measure | figure | in-run reference | ratio | notes |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var r in results.Rows)
        {
            var ratio = r.Ratio is { } x ? x.ToString("P0", CultureInfo.InvariantCulture) : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(r.Measure)} | {Cell(r.Figure)} | {Cell(r.Reference)} | {ratio} | {Cell(r.Notes)} |");
        }
        if (results.Cpu.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("CPU per operation: µs of CPU time (utime + stime from /proc) per operation of the run, per process. " +
                "\"system\" is the API, worker, Kafka, MySQL and Redis together. \"part\" is what the row measures: the system, or for a floor row " +
                "the part alone (the bare endpoint's process; the harness, which is the raw client, plus Kafka, MySQL or Redis). " +
                "The harness is the load generator in every row. \"of which JIT\" is the part of the system's figure spent in the runtime's background JIT thread " +
                "(tier-1 recompilation of warm code): a start-up cost that a short run includes.");
            md.AppendLine();
            md.Append("| section | run | operations | ");
            md.AppendJoin(" | ", CpuSampler.Processes);
            md.AppendLine(" | system | of which JIT | part |");
            md.Append("|---|---|---|");
            md.AppendJoin("", CpuSampler.Processes.Select(_ => "---|"));
            md.AppendLine("---|---|---|");
            foreach (var c in results.Cpu)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {c.Section} | {(c.Floor ? "floor: " : "")}{Cell(c.Run)} | {c.Operations:N0} {c.Operation} in {c.Seconds:F1} s | ");
                md.AppendJoin(" | ", CpuSampler.Processes.Select(p => c.MicrosecondsPerOperation.TryGetValue(p, out var us) ? us.ToString("N0", CultureInfo.InvariantCulture) : ""));
                md.AppendLine(CultureInfo.InvariantCulture, $" | {c.SystemMicroseconds:N0} | {c.JitMicroseconds:N0} | {c.PartMicroseconds:N0} |");
            }
            var floors = results.Cpu.Where(c => c.Floor && c.Section is "1. accept" or "5. produce" or "2. drain").ToList();
            var accept = results.Cpu.FirstOrDefault(c => !c.Floor && c.Section == "1. accept");
            if (floors.Count == 3 && accept is not null)
            {
                var sum = floors.Sum(f => f.PartMicroseconds);
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"Per registration: the system used {accept.SystemMicroseconds:N0} µs during the accept run (API, the worker consuming alongside, Kafka, MySQL, Redis); " +
                    $"the parts' floors add up to {sum:N0} µs ({string.Join(" + ", floors.Select(f => $"{f.Section} {f.PartMicroseconds:N0}"))}), ratio {accept.SystemMicroseconds / sum:F1}x.");
            }
        }
        if (results.Idle.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Idle: no load, CPU in percent of one core. The section first waits (up to a bound) until the services' background JIT threads have been quiet for 3 s; \"of which JIT\" is what they still used in the window, a start-up cost rather than an idle one.");
            md.AppendLine();
            md.Append("| setting | JIT quiet after | seconds | ");
            md.AppendJoin(" | ", CpuSampler.Processes);
            md.AppendLine(" | system | of which JIT |");
            md.Append("|---|---|---|");
            md.AppendJoin("", CpuSampler.Processes.Select(_ => "---|"));
            md.AppendLine("---|---|");
            foreach (var i in results.Idle)
            {
                var settled = i.JitSettledSeconds is { } s ? $"{s:F0} s" : "not within the bound";
                md.Append(CultureInfo.InvariantCulture, $"| {Cell(i.Setting)} | {settled} | {i.Seconds:F0} | ");
                md.AppendJoin(" | ", CpuSampler.Processes.Select(p => i.PercentOfCore.TryGetValue(p, out var pc) ? pc.ToString("F1", CultureInfo.InvariantCulture) + "%" : ""));
                md.AppendLine(CultureInfo.InvariantCulture, $" | {i.SystemPercent:F1}% | {i.JitPercent:F1}% |");
            }
        }
        if (results.Linger.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Raw producer (acks=all, idempotence), closed loop: each of N loops produces its next record when the previous one is acknowledged.");
            md.AppendLine();
            md.AppendLine("| linger.ms | records in flight | records/s | ack p50 | ack p99 |");
            md.AppendLine("|---|---|---|---|---|");
            foreach (var l in results.Linger)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {l.LingerMs} | {l.InFlight} | {l.RecordsPerSecond:N0} | {l.P50Ms:F1} ms | {l.P99Ms:F1} ms |");
            }
        }
        if (results.Notes.Count > 0)
        {
            md.AppendLine();
            foreach (var n in results.Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {n}");
            }
        }
        return md.ToString();
    }

    public static void Write(BenchResults results, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "latest.md"), ToMarkdown(results));
        File.WriteAllText(Path.Combine(directory, "latest.json"), JsonSerializer.Serialize(results, Json));
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
