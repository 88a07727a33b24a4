using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace KafkaPractice.Tests.Observability;

/// <summary>
/// Logs follow the traces (docs/observability.md, "Sampling"): inside a trace the service leaves
/// out, only warnings and errors are written; inside a recorded trace and outside any trace,
/// everything is. The rule holds for every log provider: the console and the OpenTelemetry export
/// that feeds the dashboard.
/// </summary>
public sealed partial class LogSamplingTests
{
    private const string LeftOutInformation = "left out: information";

    [Fact]
    public async Task Inside_a_trace_left_out_only_warnings_and_errors_are_written()
    {
        // A rate so low that the bucket, one trace, cannot refill during the test.
        await using var service = await StartServiceAsync(new() { ["OpenTelemetry:MaxTracesPerSecond"] = "0.001" });

        WriteEveryKind(service);

        string[] expected =
        [
            "recorded: information", "left out: warning", "left out: error",
            "sampled parent: information", "outside a trace: information",
        ];
        Assert.Equal(expected, service.Console.Messages);
        Assert.Equal(expected, service.Exported.Messages);
    }

    [Fact]
    public async Task With_the_setting_off_every_line_is_written()
    {
        await using var service = await StartServiceAsync(new()
        {
            ["OpenTelemetry:MaxTracesPerSecond"] = "0.001",
            ["OpenTelemetry:LogsFollowTraceSampling"] = "false",
        });

        WriteEveryKind(service);

        Assert.Equal(7, service.Console.Messages.Count);
        Assert.Contains(LeftOutInformation, service.Console.Messages);
        Assert.Contains("unsampled parent: information", service.Exported.Messages);
    }

    [Fact]
    public async Task The_level_filters_still_apply_inside_a_recorded_trace()
    {
        await using var service = await StartServiceAsync(new() { ["Logging:LogLevel:Default"] = "Warning" });

        using (var recorded = service.Source.StartActivity("request"))
        {
            Assert.True(recorded!.Recorded);
            Write(service.Logger, LogLevel.Information, "recorded: information");
            Write(service.Logger, LogLevel.Warning, "recorded: warning");
        }

        Assert.Equal(["recorded: warning"], service.Console.Messages);
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("1")]
    [InlineData("yes")]
    public void A_service_refuses_to_start_with_a_setting_that_is_not_true_or_false(string value)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["OpenTelemetry:LogsFollowTraceSampling"] = value });

        var error = Assert.Throws<InvalidOperationException>(() => builder.ConfigureOpenTelemetry());
        Assert.Contains($"OpenTelemetry:LogsFollowTraceSampling is '{value}'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// One line of each kind: in the bucket's one recorded trace, in a trace left out (three levels),
    /// under a remote parent that was sampled and one that was not, and outside any trace.
    /// </summary>
    private static void WriteEveryKind(Service service)
    {
        var log = service.Logger;
        using (var recorded = service.Source.StartActivity("request"))
        {
            Assert.True(recorded!.Recorded);
            Write(log, LogLevel.Information, "recorded: information");
        }
        using (var leftOut = service.Source.StartActivity("request"))
        {
            Assert.NotNull(leftOut);
            Assert.False(leftOut.Recorded);
            Write(log, LogLevel.Information, LeftOutInformation);
            Write(log, LogLevel.Warning, "left out: warning");
            Write(log, LogLevel.Error, "left out: error");
        }
        using (service.Source.StartActivity("process", ActivityKind.Consumer, Remote(sampled: true)))
        {
            Write(log, LogLevel.Information, "sampled parent: information");
        }
        using (service.Source.StartActivity("process", ActivityKind.Consumer, Remote(sampled: false)))
        {
            Write(log, LogLevel.Information, "unsampled parent: information");
        }
        Write(log, LogLevel.Information, "outside a trace: information");
    }

    [LoggerMessage(Message = "{Line}")]
    private static partial void Write(ILogger logger, LogLevel level, string line);

    private static ActivityContext Remote(bool sampled) =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: true);

    /// <summary>A host with the services' OpenTelemetry set-up, a plain log provider and a log processor of the test's own.</summary>
    private static async Task<Service> StartServiceAsync(Dictionary<string, string?> settings)
    {
        var source = new ActivitySource($"log-sampling-test-{Guid.NewGuid():N}");
        var console = new CapturingProvider();
        var exported = new CapturingProcessor();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(console);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.ConfigureOpenTelemetry();
        builder.Logging.AddOpenTelemetry(o => o.AddProcessor(exported));
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(source.Name));
        var host = builder.Build();
        await host.StartAsync();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        return new Service(host, source, logger, console, exported);
    }

    private sealed record Service(IHost Host, ActivitySource Source, ILogger Logger, CapturingProvider Console, CapturingProcessor Exported)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Host.StopAsync();
            Host.Dispose();
            Source.Dispose();
        }
    }

    private const string Category = "KafkaPractice.LogSamplingTests";

    /// <summary>Keeps the lines of the test's own category (not the host's start-up lines).</summary>
    private sealed class CapturingProvider : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public List<string> Messages => [.. _messages];

        public ILogger CreateLogger(string categoryName) => categoryName == Category ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }

    private sealed class CapturingProcessor : BaseProcessor<LogRecord>
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public List<string> Messages => [.. _messages];

        public override void OnEnd(LogRecord data)
        {
            if (data.CategoryName == Category)
            {
                _messages.Enqueue(data.FormattedMessage ?? data.Body ?? "");
            }
        }
    }
}
