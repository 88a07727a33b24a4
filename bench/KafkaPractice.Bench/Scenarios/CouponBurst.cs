using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;
using KafkaPractice.Core.Cache.Coupons;
using KafkaPractice.Core.Cache.Members;
using MySqlConnector;
using StackExchange.Redis;

namespace KafkaPractice.Bench.Scenarios;

/// <summary>
/// Section 4: N members race for a campaign of stock S through the API; rate, p99 and whether
/// exactly S got a coupon (202s and rows). Reference: the same reservation script
/// (<see cref="CouponStock.ReserveAsync"/>) called straight on Redis by as many callers.
/// </summary>
public static class CouponBurst
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken cancellationToken)
    {
        var o = ctx.Options;
        Progress.Say($"[coupon] {o.CouponRequests:N0} members, stock {o.CouponStock:N0}, {o.CouponConcurrency} clients");
        var members = await SeedMembersAsync(ctx, o.CouponRequests, cancellationToken);
        using var client = HttpLoad.CreateClient(ctx.Target.ApiBase, o.CouponConcurrency);

        var campaignId = await CreateCampaignAsync(client, ctx.Target.AdminApiKey, "Benchmark burst", o.CouponStock, cancellationToken);
        var warmupId = await CreateCampaignAsync(client, ctx.Target.AdminApiKey, "Benchmark warm-up", 50, cancellationToken);
        await HttpLoad.RunAsync("warm-up coupon requests", o.CouponConcurrency, Math.Min(500, members.Count), TimeSpan.FromSeconds(10),
            (i, ct) => RequestCouponAsync(client, warmupId, members[i], ct), s => s == HttpStatusCode.Accepted, cancellationToken);

        var cpu = CpuSampler.Start(ctx.Target);
        var burst = await HttpLoad.RunAsync("coupon 202s", o.CouponConcurrency, members.Count, TimeSpan.FromMinutes(5),
            (i, ct) => RequestCouponAsync(client, campaignId, members[i], ct), s => s == HttpStatusCode.Accepted, cancellationToken);
        var burstCpu = cpu.Stop();
        var rate = burst.Requests / burst.Elapsed.TotalSeconds;
        var rows = await WaitForCouponRowsAsync(ctx, campaignId, burst.Succeeded, cancellationToken);
        Progress.Say($"  API {rate:N0} req/s ({burst.Latency}); {burst.StatusText}; {rows:N0} coupon rows");

        Progress.Say($"  burst {burstCpu}");
        ctx.AddCpu("4. coupon", "POST /campaigns/{id}/coupons", "requests", burst.Requests, burstCpu);
        var raw = await RawScriptAsync(ctx, members, o.CouponStock, o.CouponConcurrency, cancellationToken);
        Progress.Say($"  raw script {raw.Cpu}");
        ctx.AddCpu("4. coupon", "reservation script on Redis (from the harness)", "calls", members.Count, raw.Cpu, "harness", "redis");
        Progress.Say($"  raw script {raw.Rate:N0} calls/s ({raw.Latency}); {raw.Reserved:N0} reserved");

        var correct = burst.Succeeded == o.CouponStock && rows == o.CouponStock
            && burst.StatusCounts.GetValueOrDefault(409) == members.Count - o.CouponStock;
        ctx.Results.Rows.Add(new ResultRow(
            $"4. Coupon burst ({members.Count:N0} requests on stock {o.CouponStock:N0}, {o.CouponConcurrency} clients)",
            $"{rate:N0} req/s, p99 {burst.Latency.P99:F1} ms; 202s {burst.Succeeded:N0}, rows {rows:N0} ({(correct ? "correct" : "WRONG")})",
            $"reservation script on Redis directly: {raw.Rate:N0} calls/s, p99 {raw.Latency.P99:F1} ms ({raw.Reserved:N0} reserved)",
            rate / raw.Rate,
            $"answers {burst.StatusText}. Burst {burstCpu}")
        {
            Values =
            {
                ["api_rate"] = rate, ["api_p50_ms"] = burst.Latency.P50, ["api_p99_ms"] = burst.Latency.P99,
                ["accepted"] = burst.Succeeded, ["rows"] = rows, ["stock"] = o.CouponStock,
                ["raw_rate"] = raw.Rate, ["raw_p99_ms"] = raw.Latency.P99,
            },
        });
    }

    private static async Task<HttpStatusCode> RequestCouponAsync(HttpClient client, string campaignId, long memberId, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync($"/campaigns/{Uri.EscapeDataString(campaignId)}/coupons", new { memberId }, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response.StatusCode;
    }

    private static async Task<string> CreateCampaignAsync(HttpClient client, string adminApiKey, string name, int stock, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/campaigns") { Content = JsonContent.Create(new { name, stock }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminApiKey);
        using var response = await client.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /campaigns answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("campaignId").GetString()!;
    }

    /// <summary>Members straight into MySQL and the Redis member set, as the worker would leave them.</summary>
    private static async Task<List<long>> SeedMembersAsync(BenchContext ctx, int count, CancellationToken cancellationToken)
    {
        var tag = $"{ctx.RunTag}c";
        await using var connection = await ctx.OpenDatabaseAsync(cancellationToken);
        for (var start = 0; start < count; start += 1000)
        {
            var n = Math.Min(1000, count - start);
            var sql = new StringBuilder("INSERT INTO members (name, email, email_key, phone_number, registration_id, registered_at) VALUES ");
            for (var i = 0; i < n; i++)
            {
                var email = BenchContext.Email(tag, start + i);
                sql.Append(i == 0 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"('Benchmark Member','{email}','{email}','+82 10-1234-5678','{Guid.NewGuid():D}',UTC_TIMESTAMP(6))");
            }
            await using var command = new MySqlCommand(sql.ToString(), connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        var ids = new List<long>(count);
        await using (var command = new MySqlCommand("SELECT id FROM members WHERE email_key LIKE @p ORDER BY id", connection))
        {
            command.Parameters.AddWithValue("@p", $"bench-{tag}-%");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt64(0));
            }
        }
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ctx.Target.RedisConnectionString);
        foreach (var page in ids.Chunk(5000))
        {
            await redis.GetDatabase().SetAddAsync(MemberCache.MemberIdsKey, page.Select(i => (RedisValue)i).ToArray());
        }
        return ids;
    }

    private static async Task<long> WaitForCouponRowsAsync(BenchContext ctx, string campaignId, int expected, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        long rows;
        do
        {
            rows = await ctx.ScalarAsync("SELECT COUNT(*) FROM coupons WHERE campaign_id = @c", cancellationToken, ("@c", campaignId));
            if (rows >= expected)
            {
                // Anything beyond the 202s would show up right behind them.
                await Task.Delay(1000, cancellationToken);
                return await ctx.ScalarAsync("SELECT COUNT(*) FROM coupons WHERE campaign_id = @c", cancellationToken, ("@c", campaignId));
            }
            await Task.Delay(200, cancellationToken);
        }
        while (DateTime.UtcNow < deadline);
        return rows;
    }

    private sealed record RawRun(double Rate, LatencySummary Latency, int Reserved, CpuUsage Cpu);

    /// <summary>The reservation script alone: a scratch campaign loaded the way the API loads one, then one call per member.</summary>
    private static async Task<RawRun> RawScriptAsync(BenchContext ctx, List<long> members, int stock, int callers, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ctx.Target.RedisConnectionString);
        var coupons = new CouponStock(redis);
        var campaignId = $"bench-raw-{ctx.RunTag}";
        await coupons.InstallAsync(campaignId, stock, AsyncEnumerable.Empty<IReadOnlyCollection<long>>(), [], cancellationToken);
        var warm = $"{campaignId}-warm";
        await coupons.InstallAsync(warm, 50, AsyncEnumerable.Empty<IReadOnlyCollection<long>>(), [], cancellationToken);
        foreach (var m in members.Take(500))
        {
            await coupons.ReserveAsync(warm, m);
        }

        var latencies = new Latencies();
        var reserved = 0;
        var next = -1;
        var cpu = CpuSampler.Start(ctx.Target);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < members.Count)
            {
                var t0 = Stopwatch.GetTimestamp();
                var r = await coupons.ReserveAsync(campaignId, members[i]);
                latencies.AddSince(t0);
                if (r.Status == ReservationStatus.Reserved)
                {
                    Interlocked.Increment(ref reserved);
                }
            }
        }, CancellationToken.None)));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var usage = cpu.Stop();
        var db = redis.GetDatabase();
        foreach (var id in new[] { campaignId, warm })
        {
            await db.KeyDeleteAsync([CouponStock.MetaKey(id), CouponStock.HoldersKey(id), CouponStock.UncertainKey(id)]);
        }
        return new RawRun(members.Count / elapsed.TotalSeconds, latencies.Summarize(), reserved, usage);
    }
}
