using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KafkaPractice.Bench.Load;

/// <summary>
/// The yardstick for the accept rate: a minimal-API endpoint on a free loopback port that reads
/// and parses the same JSON body and answers 202 with a small JSON body. It does everything an
/// HTTP front end must do and nothing the system adds (validation, Redis, Kafka). It runs in a
/// child process of the harness (<see cref="BareEndpointProcess"/>), so its CPU is measured
/// apart from the load generator's, the way the API's is.
/// </summary>
public sealed class BareEndpoint : IAsyncDisposable
{
    /// <summary>The harness's argument that makes it serve the bare endpoint instead of benchmarking.</summary>
    public const string ServeArgument = "--serve-bare-endpoint";

    /// <summary>Serves until standard input closes (the harness exits or disposes the child); prints the address first.</summary>
    public static async Task<int> ServeAsync()
    {
        await using var endpoint = await StartAsync();
        Console.WriteLine(endpoint.Address);
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private readonly WebApplication _app;

    private BareEndpoint(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<BareEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/members", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            var id = Guid.CreateVersion7();
            return Results.Accepted($"/members/registrations/{id:D}", new BareAccepted(id, "Pending"));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareEndpoint(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record BareAccepted(Guid RegistrationId, string Status);
}

/// <summary>The bare endpoint in a child process of the harness, stopped on dispose.</summary>
public sealed class BareEndpointProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BareEndpointProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }
    public int Pid => _process.Id;

    public static async Task<BareEndpointProcess> StartAsync(CancellationToken cancellationToken)
    {
        // Under "dotnet run" this is the harness's own executable; under "dotnet x.dll" it is dotnet.
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The harness's executable is unknown.");
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BareEndpoint).Assembly.Location);
        }
        start.ArgumentList.Add(BareEndpoint.ServeArgument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("The bare endpoint process did not start.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("The bare endpoint process exited before it listened.");
            return new BareEndpointProcess(process, new Uri(line));
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
    }
}
