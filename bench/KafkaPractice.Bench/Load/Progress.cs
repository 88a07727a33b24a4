using System.Diagnostics;

namespace KafkaPractice.Bench.Load;

/// <summary>Prints a line a second while a measurement runs: what it is, how many so far, the current rate.</summary>
public sealed class Progress : IAsyncDisposable
{
    private readonly string _label;
    private readonly Func<long> _count;
    private readonly Func<string>? _detail;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private Progress(string label, Func<long> count, Func<string>? detail)
    {
        _label = label;
        _count = count;
        _detail = detail;
        _loop = RunAsync();
    }

    /// <param name="detail">Optional text appended to each line (e.g. the slowest sample of the last second).</param>
    public static Progress Start(string label, Func<long> count, Func<string>? detail = null) => new(label, count, detail);

    public static void Say(string message) =>
        Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private async Task RunAsync()
    {
        var started = Stopwatch.GetTimestamp();
        long last = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = _count();
                Say($"  {_label}: {now:N0} after {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s ({now - last:N0}/s){(_detail is null ? "" : "; " + _detail())}");
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
