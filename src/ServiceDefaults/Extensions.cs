using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using KafkaPractice.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every service in the system gets: OpenTelemetry, health endpoints, and (for services
/// that call others over HTTP) service discovery and resilience.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";

    /// <summary>Activity sources and meters of this system's own code.</summary>
    public static readonly string[] TelemetryNames = ["KafkaPractice.*"];

    /// <summary>New traces a service records a second unless configured (<c>OpenTelemetry:MaxTracesPerSecond</c>).</summary>
    public const double DefaultMaxTracesPerSecond = 10;

    /// <summary>
    /// How many distinct attribute sets each metric keeps (OpenTelemetry's default is 2,000); past
    /// it, new ones are added up under <c>otel.metric.overflow=true</c>. Every metric allocates
    /// room for all of them up front: about 78 metrics per service at 2,000 points of 72 bytes was
    /// 11 MiB of each service's memory for points it never used (the busiest metric here,
    /// <c>http.server.request.duration</c>, has a few dozen). docs/performance.md, "Metric points".
    /// </summary>
    public const int MetricCardinalityLimit = 200;

    /// <summary>The standard OpenTelemetry variable; when set, the SDK's sampler of that name replaces the rate limit.</summary>
    public const string StandardSamplerVariable = "OTEL_TRACES_SAMPLER";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddBasicServiceDefaults();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    /// <summary>Health checks and OpenTelemetry, without the HTTP client defaults (for workers).</summary>
    public static TBuilder AddBasicServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryNames)
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = MetricCardinalityLimit }))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryNames)
                .AddAspNetCoreInstrumentation(o =>
                    o.Filter = ctx => !ctx.Request.Path.StartsWithSegments(HealthEndpointPath)
                                      && !ctx.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (LogsFollowTraceSampling(builder.Configuration))
        {
            builder.Logging.AddSampler(new TraceFollowingLogSampler());
        }

        if (string.IsNullOrWhiteSpace(builder.Configuration[StandardSamplerVariable]))
        {
            var perSecond = MaxTracesPerSecond(builder.Configuration);
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing =>
                tracing.SetSampler(new ParentBasedSampler(new RateLimitingSampler(perSecond))));
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
            var shutdownTimeout = TimeSpan.FromMilliseconds(builder.Configuration.GetValue("OpenTelemetry:ShutdownTimeoutMs", 2000));
            builder.Services.AddHostedService(sp => new TelemetryShutdownService(sp, sp.GetRequiredService<ILogger<TelemetryShutdownService>>(), shutdownTimeout));
        }
        return builder;
    }

    /// <summary>
    /// <c>OpenTelemetry:MaxTracesPerSecond</c>: how many new traces a second the service records
    /// (default <see cref="DefaultMaxTracesPerSecond"/>); a trace that arrives sampled (a
    /// <c>traceparent</c> with flag 01, from a request or a record's headers) is always recorded.
    /// </summary>
    public static double MaxTracesPerSecond(IConfiguration configuration)
    {
        var text = configuration["OpenTelemetry:MaxTracesPerSecond"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultMaxTracesPerSecond;
        }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value <= 0)
        {
            throw new InvalidOperationException(
                $"OpenTelemetry:MaxTracesPerSecond is '{text}'; it must be a number greater than 0 (new traces recorded a second). "
                + $"To record every trace, set {StandardSamplerVariable}=parentbased_always_on instead.");
        }
        return value;
    }

    /// <summary>
    /// <c>OpenTelemetry:LogsFollowTraceSampling</c> (default <c>true</c>): whether a log record at
    /// Information or below is dropped when it is written inside a trace the service does not record
    /// (<see cref="TraceFollowingLogSampler"/>). <c>false</c> writes every record.
    /// </summary>
    public static bool LogsFollowTraceSampling(IConfiguration configuration)
    {
        var text = configuration["OpenTelemetry:LogsFollowTraceSampling"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        if (!bool.TryParse(text, out var value))
        {
            throw new InvalidOperationException(
                $"OpenTelemetry:LogsFollowTraceSampling is '{text}'; it must be true (log lines at Information or below are written "
                + "only for the traces the service records) or false (every log line is written).");
        }
        return value;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// <c>/health</c>: ready (every check, including dependencies). <c>/alive</c>: the process
    /// answers (only checks tagged "live"), so a dependency outage does not get it restarted.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        return app;
    }
}
