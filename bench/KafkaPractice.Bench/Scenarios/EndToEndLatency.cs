using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;
using MySqlConnector;

namespace KafkaPractice.Bench.Scenarios;

/// <summary>
/// Section 3: registrations at a fixed, moderate rate (open loop); for each, the time from its 202
/// to its member_registrations row being visible to a reader, found by polling MySQL for the
/// outstanding registration ids (primary-key lookups) in a tight loop. The registrations sent after
/// the first <see cref="BenchOptions.EndToEndWarmUp"/> are also summarized on their own: the
/// steady state, without the first seconds in which the single-request path is still compiled.
/// </summary>
public static class EndToEndLatency
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken cancellationToken)
    {
        var o = ctx.Options;
        var total = (int)(o.EndToEndRate * o.EndToEndDuration.TotalSeconds);
        Progress.Say($"[e2e] {o.EndToEndRate}/s for {o.EndToEndDuration.TotalSeconds:F0} s ({total:N0} registrations): 202 -> row visible");
        using var client = HttpLoad.CreateClient(ctx.Target.ApiBase, 64);
        var tag = $"{ctx.RunTag}e";
        var pending = new ConcurrentDictionary<string, (long AcceptedAt, bool Steady)>();
        var warmUpCount = (int)Math.Min(total, o.EndToEndRate * o.EndToEndWarmUp.TotalSeconds);
        var endToEnd = new Latencies();
        var steady = new Latencies();
        var accept = new Latencies();
        var failures = 0;
        var sendingDone = false;
        var polls = 0L;
        var firstPoll = 0L;
        var lastPoll = 0L;

        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poller = Task.Run(async () =>
        {
            await using var connection = await ctx.OpenDatabaseAsync(cancellationToken);
            while (!stopPolling.IsCancellationRequested && !(Volatile.Read(ref sendingDone) && pending.IsEmpty))
            {
                var ids = pending.Keys.Take(500).ToList();
                if (ids.Count == 0)
                {
                    await Task.Delay(1, CancellationToken.None);
                    continue;
                }
                if (firstPoll == 0)
                {
                    firstPoll = Stopwatch.GetTimestamp();
                }
                await using var command = new MySqlCommand { Connection = connection };
                command.CommandText = "SELECT registration_id FROM member_registrations WHERE registration_id IN ("
                    + string.Join(",", ids.Select((id, i) => { command.Parameters.AddWithValue($"@r{i}", id); return $"@r{i}"; })) + ")";
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        var id = reader.GetValue(0).ToString()!;
                        if (pending.TryRemove(id, out var sent))
                        {
                            var ms = Stopwatch.GetElapsedTime(sent.AcceptedAt).TotalMilliseconds;
                            endToEnd.Add(ms);
                            if (sent.Steady)
                            {
                                steady.Add(ms);
                            }
                        }
                    }
                }
                polls++;
                lastPoll = Stopwatch.GetTimestamp();
                if (o.EndToEndPollMs > 0)
                {
                    await Task.Delay(o.EndToEndPollMs, CancellationToken.None);
                }
            }
        }, CancellationToken.None);

        var started = Stopwatch.GetTimestamp();
        var sends = new List<Task>(total);
        var machine = new MachineWindow(ctx.Target);
        var cpu = CpuSampler.Start(ctx.Target);
        await using (Progress.Start("rows visible", () => endToEnd.Count,
            () => $"slowest in the second: 202 -> row {endToEnd.TakeWindowMax():F0} ms, send -> 202 {accept.TakeWindowMax():F0} ms; {machine.Take()}"))
        {
            for (var i = 0; i < total; i++)
            {
                var due = started + (long)(i * (double)Stopwatch.Frequency / o.EndToEndRate);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken);
                }
                var n = i;
                sends.Add(Task.Run(async () =>
                {
                    var t0 = Stopwatch.GetTimestamp();
                    using var content = new ByteArrayContent(BenchContext.MemberBody(tag, n));
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await client.PostAsync("/members", content, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        Interlocked.Increment(ref failures);
                        return;
                    }
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                    var acceptedAt = Stopwatch.GetTimestamp();
                    accept.Add(Stopwatch.GetElapsedTime(t0, acceptedAt).TotalMilliseconds);
                    pending[body.GetProperty("registrationId").GetString()!] = (acceptedAt, n >= warmUpCount);
                }, CancellationToken.None));
            }
            await Task.WhenAll(sends);
            // Sent and answered at the fixed rate: the CPU per registration of a system that keeps up.
            ctx.AddCpu("3. e2e", $"registrations at {o.EndToEndRate}/s", "registrations", total - failures, cpu.Stop());
            Volatile.Write(ref sendingDone, true);
            stopPolling.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                await poller;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
        var sent = Stopwatch.GetElapsedTime(started);
        ctx.CountRegistrations(total - failures);
        var e2e = endToEnd.Summarize();
        var after = steady.Summarize();
        var http = accept.Summarize();
        var warmUp = $"after the first {o.EndToEndWarmUp.TotalSeconds:F0} s";
        // From the first poll to the end of the last: the pauses between polls included.
        var pollInterval = (lastPoll - firstPoll) * 1000.0 / Stopwatch.Frequency / Math.Max(1, polls);
        Progress.Say($"  202 -> row: {e2e} ({warmUp}: {after}); HTTP 202: {http}; {pending.Count} never seen, {failures} not accepted; one poll every {pollInterval:F1} ms");
        ctx.Results.Rows.Add(new ResultRow(
            $"3. End-to-end latency, 202 -> row visible ({o.EndToEndRate} registrations/s)",
            $"p50 {e2e.P50:F1} ms, p99 {e2e.P99:F1} ms, max {e2e.Max:F1} ms; {warmUp}: p50 {after.P50:F1} ms, p99 {after.P99:F1} ms, max {after.Max:F1} ms",
            $"the request itself (send -> 202): p50 {http.P50:F1} ms, p99 {http.P99:F1} ms",
            null,
            $"{e2e.Count:N0} rows seen of {total:N0} sent ({failures} not accepted, {pending.Count} never seen); MySQL polled every ~{pollInterval:F1} ms")
        {
            Values =
            {
                ["p50_ms"] = e2e.P50, ["p99_ms"] = e2e.P99, ["max_ms"] = e2e.Max,
                ["steady_p50_ms"] = after.P50, ["steady_p99_ms"] = after.P99, ["steady_max_ms"] = after.Max,
                ["warm_up_seconds"] = o.EndToEndWarmUp.TotalSeconds,
                ["http_p50_ms"] = http.P50, ["http_p99_ms"] = http.P99, ["poll_interval_ms"] = pollInterval,
            },
        });
    }
}
