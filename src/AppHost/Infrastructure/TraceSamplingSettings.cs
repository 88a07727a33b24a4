using System.Globalization;

namespace KafkaPractice.AppHost.Infrastructure;

/// <summary>
/// Trace sampling (docs/observability.md, "Sampling"). Aspire tells every service it runs to record
/// every trace (<c>OTEL_TRACES_SAMPLER=always_on</c>); that is taken away here, so each service's own
/// rate limit applies (10 new traces a second). What a person gives the AppHost, a rate, a standard
/// sampler or whether log lines follow the traces' sampling, is passed to every .NET service.
/// </summary>
public static class TraceSamplingSettings
{
    public const string MaxTracesPerSecondKey = "OpenTelemetry:MaxTracesPerSecond";
    public const string LogsFollowTraceSamplingKey = "OpenTelemetry:LogsFollowTraceSampling";
    public const string SamplerVariable = "OTEL_TRACES_SAMPLER";
    public const string SamplerArgumentVariable = "OTEL_TRACES_SAMPLER_ARG";

    public static IResourceBuilder<T> WithTraceSampling<T>(this IResourceBuilder<T> resource, IConfiguration configuration)
        where T : IResourceWithEnvironment
    {
        string? perSecond = null;
        if (configuration[MaxTracesPerSecondKey] is not null)
        {
            perSecond = SettingBounds.Read(configuration, MaxTracesPerSecondKey, 10, 1, 1_000_000, "new traces each service records a second")
                .ToString(CultureInfo.InvariantCulture);
        }
        var logsFollow = SettingBounds.ReadFlag(configuration, LogsFollowTraceSamplingKey,
            "whether log lines at Information or below are written only for the traces a service records");
        var sampler = configuration[SamplerVariable];
        var samplerArgument = configuration[SamplerArgumentVariable];
        // A callback, so that it runs after the one that sets Aspire's defaults (added with the resource).
        return resource.WithEnvironment(context =>
        {
            context.EnvironmentVariables.Remove(SamplerVariable);
            context.EnvironmentVariables.Remove(SamplerArgumentVariable);
            if (perSecond is not null)
            {
                context.EnvironmentVariables["OpenTelemetry__MaxTracesPerSecond"] = perSecond;
            }
            if (logsFollow is { } follow)
            {
                context.EnvironmentVariables["OpenTelemetry__LogsFollowTraceSampling"] = follow ? "true" : "false";
            }
            if (!string.IsNullOrWhiteSpace(sampler))
            {
                context.EnvironmentVariables[SamplerVariable] = sampler;
            }
            if (!string.IsNullOrWhiteSpace(samplerArgument))
            {
                context.EnvironmentVariables[SamplerArgumentVariable] = samplerArgument;
            }
        });
    }
}
