using System.Net;
using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;

namespace KafkaPractice.Bench.Scenarios;

/// <summary>
/// Section 1: how many registrations per second the API accepts (202 after acks=all) under a
/// closed-loop load of N clients, against a bare Kestrel endpoint under the same load.
/// </summary>
public static class AcceptRate
{
    public static async Task<LoadResult> RunAsync(BenchContext ctx, CancellationToken cancellationToken)
    {
        var o = ctx.Options;
        Progress.Say($"[accept] POST /members, {o.Concurrency} clients, up to {o.LoadDuration.TotalSeconds:F0} s or {o.LoadMaxCount:N0} requests per run");
        await using var bare = await BareEndpointProcess.StartAsync(cancellationToken);
        var barePid = new Dictionary<string, int> { [CpuSampler.BareEndpointProcess] = bare.Pid };
        using var apiClient = HttpLoad.CreateClient(ctx.Target.ApiBase, o.Concurrency);
        using var bareClient = HttpLoad.CreateClient(bare.Address, o.Concurrency);

        // Warm both up (JIT, connection pools, the producer's first batches), then measure.
        var warmup = TimeSpan.FromSeconds(o.Quick ? 1 : 3);
        var warmApi = await RunApiAsync(ctx, apiClient, "warm-up API", warmup, cancellationToken);
        await RunBareAsync(ctx, bareClient, "warm-up bare endpoint", warmup, cancellationToken);
        ctx.CountRegistrations(warmApi.Succeeded);

        var cpu = CpuSampler.Start(ctx.Target);
        var api = await RunApiAsync(ctx, apiClient, "API 202s", o.LoadDuration, cancellationToken);
        var apiCpu = cpu.Stop();
        ctx.CountRegistrations(api.Succeeded);
        // The reference runs with the rest of the system idle, not while the worker drains the API run.
        await ctx.WaitForWorkerToCatchUpAsync(cancellationToken);
        cpu = CpuSampler.Start(ctx.Target, barePid);
        var reference = await RunBareAsync(ctx, bareClient, "bare endpoint 202s", o.LoadDuration, cancellationToken);
        var bareCpu = cpu.Stop();
        Progress.Say($"  API run {apiCpu}; bare run {bareCpu}");
        ctx.BareRate = reference.Rate;
        ctx.AddCpu("1. accept", "POST /members, worker consuming", "requests", api.Requests, apiCpu);
        ctx.AddCpu("1. accept", "bare Kestrel endpoint (child process)", "requests", reference.Requests, bareCpu, CpuSampler.BareEndpointProcess);
        Progress.Say($"  API {api.Rate:N0}/s ({api.Latency}; {api.StatusText}); bare {reference.Rate:N0}/s ({reference.Latency})");

        ctx.Results.Rows.Add(new ResultRow(
            $"1. Member registration accept rate (POST /members, {o.Concurrency} clients)",
            $"{api.Rate:N0} req/s, p99 {api.Latency.P99:F1} ms",
            $"bare Kestrel endpoint {reference.Rate:N0} req/s, p99 {reference.Latency.P99:F1} ms",
            api.Rate / reference.Rate,
            $"{api.Succeeded:N0} accepted in {api.Elapsed.TotalSeconds:F1} s; answers {api.StatusText}. API run {apiCpu}. Bare run {bareCpu}")
        {
            Values =
            {
                ["api_rate"] = api.Rate, ["api_p50_ms"] = api.Latency.P50, ["api_p99_ms"] = api.Latency.P99,
                ["bare_rate"] = reference.Rate, ["bare_p50_ms"] = reference.Latency.P50, ["bare_p99_ms"] = reference.Latency.P99,
            },
        });
        await ctx.WaitForWorkerToCatchUpAsync(cancellationToken);
        return api;
    }

    /// <summary>
    /// The accept rate with consumer-worker stopped: the API's cost alone, without the worker
    /// competing for the cores, against the bare endpoint of the accept section.
    /// </summary>
    public static async Task RunWithoutWorkerAsync(BenchContext ctx, CancellationToken cancellationToken)
    {
        var o = ctx.Options;
        if (ctx.Target.App is null)
        {
            ctx.Results.Rows.Add(ResultRow.NotAvailable("1b. Accept rate, worker stopped", "needs the harness to start the system (it stops and starts the worker)"));
            return;
        }
        Progress.Say($"[accept-alone] POST /members with consumer-worker stopped, {o.Concurrency} clients");
        await ctx.WaitForWorkerToCatchUpAsync(cancellationToken);
        await ctx.StopWorkerAsync(cancellationToken);
        LoadResult api;
        CpuUsage apiCpu;
        try
        {
            using var apiClient = HttpLoad.CreateClient(ctx.Target.ApiBase, o.Concurrency);
            // What piles up while the worker is stopped must stay well inside the emulator's retention (~5 MiB per partition).
            var max = Math.Min(o.LoadMaxCount, MaxWithoutWorker);
            var warm = await RunApiAsync(ctx, apiClient, "warm-up API", TimeSpan.FromSeconds(1), cancellationToken, max / 4);
            ctx.CountRegistrations(warm.Succeeded);
            var cpu = CpuSampler.Start(ctx.Target);
            api = await RunApiAsync(ctx, apiClient, "API 202s, worker stopped", o.LoadDuration, cancellationToken, max);
            apiCpu = cpu.Stop();
            ctx.CountRegistrations(api.Succeeded);
        }
        finally
        {
            // The later sections need the worker, also when this one failed.
            await ctx.StartWorkerAsync(cancellationToken);
        }
        Progress.Say($"  API {api.Rate:N0}/s ({api.Latency}; {api.StatusText}); {apiCpu}");
        ctx.AddCpu("1b. accept, worker stopped", "POST /members", "requests", api.Requests, apiCpu);
        ctx.Results.Rows.Add(new ResultRow(
            $"1b. Accept rate with consumer-worker stopped ({o.Concurrency} clients)",
            $"{api.Rate:N0} req/s, p99 {api.Latency.P99:F1} ms",
            ctx.BareRate is { } bareRate ? $"bare Kestrel endpoint (section 1) {bareRate:N0} req/s" : "bare endpoint not measured (run the accept section too)",
            ctx.BareRate is { } b ? api.Rate / b : null,
            $"{api.Succeeded:N0} accepted in {api.Elapsed.TotalSeconds:F1} s; answers {api.StatusText}. {apiCpu}")
        {
            Values = { ["api_rate"] = api.Rate, ["api_p50_ms"] = api.Latency.P50, ["api_p99_ms"] = api.Latency.P99 },
        });
        await ctx.WaitForWorkerToCatchUpAsync(cancellationToken);
    }

    /// <summary>Registrations accepted while the worker is stopped: ~1.1 MiB per partition.</summary>
    private const int MaxWithoutWorker = 20_000;

    private static Task<LoadResult> RunApiAsync(BenchContext ctx, HttpClient client, string label, TimeSpan duration, CancellationToken cancellationToken, int? maxCount = null)
    {
        var tag = $"{ctx.RunTag}a{Guid.NewGuid():N}"[..14];
        return HttpLoad.RunAsync(label, ctx.Options.Concurrency, maxCount ?? ctx.Options.LoadMaxCount, duration,
            (i, ct) => BenchContext.PostMemberAsync(client, tag, i, ct), s => s == HttpStatusCode.Accepted, cancellationToken);
    }

    private static Task<LoadResult> RunBareAsync(BenchContext ctx, HttpClient client, string label, TimeSpan duration, CancellationToken cancellationToken) =>
        HttpLoad.RunAsync(label, ctx.Options.Concurrency, ctx.Options.LoadMaxCount, duration,
            (i, ct) => BenchContext.PostMemberAsync(client, "bare", i, ct), s => s == HttpStatusCode.Accepted, cancellationToken);
}
