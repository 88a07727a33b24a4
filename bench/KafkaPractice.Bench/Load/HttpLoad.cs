using System.Diagnostics;
using System.Net;

namespace KafkaPractice.Bench.Load;

public sealed record LoadResult(int Requests, int Succeeded, TimeSpan Elapsed, LatencySummary Latency, IReadOnlyDictionary<int, int> StatusCounts)
{
    /// <summary>The first transport failure, if any (status 0 in the counts).</summary>
    public string? FirstError { get; init; }

    /// <summary>Successful answers per second.</summary>
    public double Rate => Succeeded / Elapsed.TotalSeconds;

    public string StatusText => string.Join(", ", StatusCounts.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "no answer" : s.Key)}: {s.Value:N0}"))
        + (FirstError is null ? "" : $" (first failure: {FirstError})");
}

/// <summary>
/// A closed-loop HTTP load: <c>workers</c> clients, each sending its next request as soon as the
/// previous one is answered, until <c>maxCount</c> requests were sent or <c>maxTime</c> passed.
/// </summary>
public static class HttpLoad
{
    public static HttpClient CreateClient(Uri baseAddress, int connections) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <param name="send">Sends request number i; returns the status code.</param>
    /// <param name="isSuccess">Which status counts as done (e.g. 202).</param>
    public static async Task<LoadResult> RunAsync(
        string label, int workers, int maxCount, TimeSpan maxTime,
        Func<int, CancellationToken, Task<HttpStatusCode>> send, Func<HttpStatusCode, bool> isSuccess, CancellationToken cancellationToken)
    {
        var latencies = new Latencies();
        var statuses = new int[600];
        var next = -1;
        var succeeded = 0;
        var sent = 0;
        string? firstError = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(maxTime);
        var started = Stopwatch.GetTimestamp();
        await using (Progress.Start(label, () => Volatile.Read(ref succeeded)))
        {
            await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                while (!deadline.IsCancellationRequested)
                {
                    var i = Interlocked.Increment(ref next);
                    if (i >= maxCount)
                    {
                        return;
                    }
                    Interlocked.Increment(ref sent);
                    var t0 = Stopwatch.GetTimestamp();
                    HttpStatusCode status;
                    try
                    {
                        // Not cancelled by the deadline: a request that was sent is answered and counted.
                        status = await send(i, cancellationToken);
                    }
                    catch (HttpRequestException ex)
                    {
                        Interlocked.CompareExchange(ref firstError, ex.Message + (ex.InnerException is { } inner ? ": " + inner.Message : ""), null);
                        status = 0;
                    }
                    catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        status = (HttpStatusCode)599; // client timeout
                    }
                    latencies.AddSince(t0);
                    Interlocked.Increment(ref statuses[Math.Clamp((int)status, 0, statuses.Length - 1)]);
                    if (isSuccess(status))
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                }
            }, CancellationToken.None)));
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var counts = statuses.Select((n, code) => (code, n)).Where(x => x.n > 0).ToDictionary(x => x.code, x => x.n);
        return new LoadResult(sent, succeeded, elapsed, latencies.Summarize(), counts) { FirstError = firstError };
    }
}
