using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>
/// The views the AppHost polls every second are not traced, so the dashboard's trace list shows what
/// a person did; a broker action is traced; the health endpoints stay untraced as in every service.
/// </summary>
public sealed class ControlApiTracingTests
{
    [Theory]
    [InlineData("GET", "/cluster", false)]
    [InlineData("GET", "/offsets", false)]
    [InlineData("GET", "/health", false)]
    [InlineData("POST", "/brokers/1/stop", true)]
    [InlineData("POST", "/brokers/2/drop-responses", true)]
    [InlineData("GET", "/unsupported-requests", true)]
    public async Task Only_the_polled_views_and_health_are_left_out_of_traces(string method, string path, bool traced)
    {
        await using var emulator = EmulatorHost.Build(["--urls", "http://127.0.0.1:0"]);
        var filter = emulator.Services.GetRequiredService<IOptionsMonitor<AspNetCoreTraceInstrumentationOptions>>().Get(Options.DefaultName).Filter;
        Assert.NotNull(filter);

        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;

        Assert.Equal(traced, filter(context));
    }
}
