using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace KafkaPractice.Tests.Infrastructure;

/// <summary>
/// The instances of a replicated resource (<c>WithReplicas</c>): each has a name of its own
/// (<c>consumer-worker-x7k2abcd</c>), which is what commands, states and logs are addressed by;
/// the resource's name alone does not pick one.
/// </summary>
public static class ResourceInstances
{
    /// <summary>The instance names of <paramref name="resource"/>, in a stable order, once all <paramref name="count"/> are known.</summary>
    public static async Task<IReadOnlyList<string>> OfAsync(DistributedApplication app, string resource, int count, TimeSpan timeout)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var e in app.ResourceNotifications.WatchAsync(cts.Token))
            {
                if (e.Resource.Name == resource && names.Add(e.ResourceId) && names.Count == count)
                {
                    return [.. names];
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        throw new TimeoutException($"Resource '{resource}' showed {names.Count} of {count} instances within {timeout}: {string.Join(", ", names)}.");
    }

    /// <summary>Waits for the first state of <paramref name="instance"/> that satisfies <paramref name="predicate"/> (the current one included).</summary>
    public static async Task<ResourceEvent> WaitForAsync(DistributedApplication app, string instance, Func<ResourceEvent, bool> predicate, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var e in app.ResourceNotifications.WatchAsync(cts.Token))
            {
                if (e.ResourceId == instance && predicate(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        throw new TimeoutException($"Instance '{instance}' was not {what} within {timeout}.");
    }

    public static Task<ResourceEvent> WaitStoppedAsync(DistributedApplication app, string instance, TimeSpan timeout) =>
        WaitForAsync(app, instance, e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), timeout, "stopped");

    /// <summary>SIGKILL to the instance's process tree (<c>dotnet run</c> and the app under it), then a wait until it is reported stopped.</summary>
    public static async Task KillAsync(DistributedApplication app, string instance, TimeSpan timeout)
    {
        var running = await WaitForAsync(app, instance, e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null), timeout, "running with a process id");
        var pid = Convert.ToInt32(running.Snapshot.Properties.First(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(entireProcessTree: true);
        }
        await WaitStoppedAsync(app, instance, timeout);
    }

    /// <summary>The instance's own HTTP address (not the proxy's that spreads over every instance), from its ASPNETCORE_URLS.</summary>
    public static async Task<Uri> HttpAddressAsync(DistributedApplication app, string instance, TimeSpan timeout)
    {
        var e = await WaitForAsync(app, instance, e => e.Snapshot.EnvironmentVariables.Any(v => v.Name == "ASPNETCORE_URLS"), timeout, "showing its ASPNETCORE_URLS");
        var urls = e.Snapshot.EnvironmentVariables.First(v => v.Name == "ASPNETCORE_URLS").Value;
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Instance '{instance}' has no http:// address in ASPNETCORE_URLS: {urls}");
        return new Uri(first.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
    }

    /// <summary>
    /// Waits until the instance itself answers <c>/health</c> with 200 on its own address. The
    /// health the AppHost reports for a replicated project is read through the shared endpoint, so
    /// any instance answering makes every instance read healthy: a restarted one included, before
    /// it listens.
    /// </summary>
    public static async Task<Uri> WaitServingAsync(DistributedApplication app, string instance, TimeSpan timeout)
    {
        var address = await HttpAddressAsync(app, instance, timeout);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return address;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Instance '{instance}' did not answer /health with 200 on {address} within {timeout}.");
            }
            await Task.Delay(200);
        }
    }
}
