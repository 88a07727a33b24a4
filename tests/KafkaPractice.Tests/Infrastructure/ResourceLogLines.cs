using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaPractice.Tests.Infrastructure;

/// <summary>
/// The console lines of some of the AppHost's resources, as the dashboard shows them, collected
/// while a test runs (each resource's lines in the order it wrote them).
/// </summary>
public sealed class ResourceLogLines : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Resource, string Line)> _lines = new();
    private readonly CancellationTokenSource _watching = new();
    private readonly Task[] _watchers;

    public ResourceLogLines(DistributedApplication app, params string[] resources)
    {
        Resources = resources;
        _watchers = resources.Select(r => WatchAsync(app, r, _watching.Token)).ToArray();
    }

    public IReadOnlyList<string> Resources { get; }

    public IReadOnlyList<(string Resource, string Line)> Lines => [.. _lines];

    /// <summary>Waits until every watched resource has written a line containing <paramref name="text"/>.</summary>
    public async Task WaitForAllAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Resources.All(resource => _lines.Any(l => l.Resource == resource && l.Line.Contains(text, StringComparison.OrdinalIgnoreCase))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not every one of {string.Join(", ", Resources)} logged '{text}' within {timeout.TotalSeconds} s.");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _watching.CancelAsync();
        await Task.WhenAll(_watchers);
        _watching.Dispose();
    }

    private async Task WatchAsync(DistributedApplication app, string resource, CancellationToken ct)
    {
        var instance = app.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.ResourceId : resource;
        try
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(instance).WithCancellation(ct))
            {
                foreach (var line in batch)
                {
                    _lines.Enqueue((resource, line.Content));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
