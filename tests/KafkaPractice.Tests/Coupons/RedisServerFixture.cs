using System.Diagnostics;
using KafkaPractice.Tests.Infrastructure;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Coupons;

/// <summary>A throw-away <c>redis-server</c> (no persistence) on a free loopback port, for testing the Lua scripts against the real thing.</summary>
public class RedisServerFixture : IAsyncLifetime
{
    private readonly string _extraArguments;
    private Process? _server;

    public RedisServerFixture()
        : this("")
    {
    }

    /// <param name="extraArguments">More <c>redis-server</c> options, e.g. cluster mode.</param>
    protected RedisServerFixture(string extraArguments)
    {
        _extraArguments = extraArguments;
    }

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public int Port { get; } = FreePorts.One();

    public async Task InitializeAsync()
    {
        var output = new System.Text.StringBuilder();
        _server = Process.Start(new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no {_extraArguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server).");
        _server.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _server.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        // A loaded machine (a whole test run beside this one) can take seconds to start a process.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_server.HasExited)
            {
                string log;
                lock (output) { log = output.ToString(); }
                throw new InvalidOperationException($"redis-server on port {Port} exited with code {_server.ExitCode}:\n{log}");
            }
            try
            {
                Redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},allowAdmin=true,connectTimeout=2000");
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
    }
}
