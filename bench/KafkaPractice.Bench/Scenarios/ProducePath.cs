using System.Diagnostics;
using Confluent.Kafka;
using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;
using KafkaPractice.Messaging;

namespace KafkaPractice.Bench.Scenarios;

/// <summary>
/// Section 5: the API's produce rate (each 202 is one record acknowledged with acks=all) against a
/// raw Confluent.Kafka producer with the same settings, the same record and the same number of
/// records in flight, on the same cluster and topic. Then the linger.ms experiment.
/// </summary>
public static class ProducePath
{
    public static readonly int[] LingerSettings = [0, 5, 20];
    private const string LingerTopic = "bench_linger";

    public static async Task RunAsync(BenchContext ctx, LoadResult? apiAccept, CancellationToken cancellationToken)
    {
        var o = ctx.Options;
        Progress.Say($"[produce] raw producer, API settings, {o.Concurrency} records in flight, to {KafkaTopology.CreateMember}");
        using (var producer = ctx.CreateProducer())
        {
            var tag = $"{ctx.RunTag}p";
            await ClosedLoopAsync(producer, KafkaTopology.CreateMember, o.Concurrency, TimeSpan.FromSeconds(o.Quick ? 1 : 2), tag + "w", ctx, cancellationToken);
            var cpu = CpuSampler.Start(ctx.Target);
            var raw = await ClosedLoopAsync(producer, KafkaTopology.CreateMember, o.Concurrency, o.LoadDuration, tag, ctx, cancellationToken);
            var rawCpu = cpu.Stop();
            Progress.Say($"  raw producer {raw.Rate:N0} records/s ({raw.Latency}); {rawCpu}");
            ctx.AddCpu("5. produce", "raw producer, API settings (in the harness)", "records", raw.Acked, rawCpu, "harness", "kafka");
            if (apiAccept is null)
            {
                ctx.Results.Rows.Add(ResultRow.NotAvailable("5. Produce path", "needs the accept section (its 202s are the API's produces)"));
            }
            else
            {
                ctx.Results.Rows.Add(new ResultRow(
                    $"5. Produce path: API records acknowledged/s ({o.Concurrency} in flight)",
                    $"{apiAccept.Rate:N0} records/s",
                    $"raw producer, same settings: {raw.Rate:N0} records/s, ack p50 {raw.Latency.P50:F1} / p99 {raw.Latency.P99:F1} ms",
                    apiAccept.Rate / raw.Rate,
                    $"acks=all, idempotence, linger.ms 5, same topic and record. Raw run {rawCpu}")
                {
                    Values = { ["api_rate"] = apiAccept.Rate, ["raw_rate"] = raw.Rate, ["raw_p50_ms"] = raw.Latency.P50, ["raw_p99_ms"] = raw.Latency.P99 },
                });
            }
        }
        await ctx.WaitForWorkerToCatchUpAsync(cancellationToken);

        // A topic of its own, so the experiment does not feed the worker; the mock creates it on first use.
        Progress.Say($"[produce] linger.ms experiment on topic {LingerTopic}: 8 and {o.Concurrency} records in flight");
        foreach (var inFlight in new[] { 8, o.Concurrency })
        {
            foreach (var linger in LingerSettings)
            {
                using var producer = ctx.CreateProducer(linger);
                await ClosedLoopAsync(producer, LingerTopic, inFlight, TimeSpan.FromSeconds(1), "lw", null, cancellationToken);
                var r = await ClosedLoopAsync(producer, LingerTopic, inFlight, o.LingerDuration, "l", null, cancellationToken);
                Progress.Say($"  linger.ms {linger,2}, {inFlight,3} in flight: {r.Rate:N0} records/s, {r.Latency}");
                ctx.Results.Linger.Add(new LingerRow(linger, inFlight, r.Rate, r.Latency.P50, r.Latency.P99));
            }
        }
    }

    private sealed record ProduceRun(double Rate, LatencySummary Latency, long Acked);

    /// <summary>
    /// <paramref name="inFlight"/> loops, each producing its next record as soon as the previous
    /// one is acknowledged: how the API uses its producer (every request awaits its record).
    /// </summary>
    private static async Task<ProduceRun> ClosedLoopAsync(
        IProducer<string, byte[]> producer, string topic, int inFlight, TimeSpan duration, string tag, BenchContext? ctx, CancellationToken cancellationToken)
    {
        var latencies = new Latencies();
        long acked = 0;
        var next = -1;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(duration);
        var started = Stopwatch.GetTimestamp();
        await using (Progress.Start($"{topic} acks", () => Interlocked.Read(ref acked)))
        {
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
            {
                while (!deadline.IsCancellationRequested)
                {
                    var i = Interlocked.Increment(ref next);
                    var t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        await producer.ProduceAsync(topic, BenchContext.MemberRecord(tag, i), cancellationToken);
                        latencies.AddSince(t0);
                        Interlocked.Increment(ref acked);
                    }
                    catch (ProduceException<string, byte[]>)
                    {
                        // Counted as not acknowledged.
                    }
                }
            }, CancellationToken.None)));
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        ctx?.CountRegistrations(acked);
        return new ProduceRun(acked / elapsed.TotalSeconds, latencies.Summarize(), acked);
    }
}
