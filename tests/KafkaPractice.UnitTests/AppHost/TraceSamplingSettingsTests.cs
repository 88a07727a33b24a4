namespace KafkaPractice.Tests.AppHost;

/// <summary>The trace-sampling settings given to the AppHost reach every .NET service, and only when given.</summary>
public sealed class TraceSamplingSettingsTests
{
    [Fact]
    public async Task Settings_given_to_the_apphost_reach_every_dotnet_service()
    {
        var environments = await ServiceEnvironments.OfDotNetServicesAsync(
            "--OpenTelemetry:MaxTracesPerSecond=50", "--OTEL_TRACES_SAMPLER=parentbased_always_on", "--OpenTelemetry:LogsFollowTraceSampling=False");

        foreach (var service in ServiceEnvironments.DotNetServices)
        {
            Assert.Equal("50", environments[service].GetValueOrDefault("OpenTelemetry__MaxTracesPerSecond") as string);
            Assert.Equal("parentbased_always_on", environments[service].GetValueOrDefault("OTEL_TRACES_SAMPLER") as string);
            Assert.Equal("false", environments[service].GetValueOrDefault("OpenTelemetry__LogsFollowTraceSampling") as string);
        }
    }

    [Fact]
    public async Task Without_settings_each_service_keeps_its_own_default_not_aspires_record_everything()
    {
        var environments = await ServiceEnvironments.OfDotNetServicesAsync();

        foreach (var service in ServiceEnvironments.DotNetServices)
        {
            Assert.DoesNotContain("OpenTelemetry__MaxTracesPerSecond", environments[service].Keys);
            Assert.DoesNotContain("OTEL_TRACES_SAMPLER", environments[service].Keys);
            Assert.DoesNotContain("OpenTelemetry__LogsFollowTraceSampling", environments[service].Keys);
        }
    }
}
