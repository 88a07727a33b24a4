using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaPractice.Tests.AppHost;

/// <summary>The environment the AppHost gives each .NET service, read from its model in run mode.</summary>
internal static class ServiceEnvironments
{
    public static readonly string[] DotNetServices = ["producer-api", "consumer-worker", "db-migrator", "kafka"];

    /// <summary>
    /// Each service's environment as its callbacks build it in run mode, Aspire's own included, with
    /// values left unresolved (resolving would wait for endpoints that only a started app allocates).
    /// </summary>
    public static async Task<Dictionary<string, Dictionary<string, object>>> OfDotNetServicesAsync(params string[] args)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["--Infrastructure:Mode=Local", .. args]);
        await using var app = await builder.BuildAsync();
        var execution = app.Services.GetRequiredService<DistributedApplicationExecutionContext>();
        Assert.True(execution.IsRunMode);
        var environments = new Dictionary<string, Dictionary<string, object>>();
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>().Where(r => DotNetServices.Contains(r.Name)))
        {
            var variables = new Dictionary<string, object>();
            var context = new EnvironmentCallbackContext(execution, resource, variables);
            foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(context).WaitAsync(TimeSpan.FromSeconds(30));
            }
            environments[resource.Name] = variables;
        }
        Assert.Equal(DotNetServices.Order(), environments.Keys.Order());
        // Aspire's own telemetry settings are there, so its sampler would be too without the AppHost's removal.
        Assert.All(environments.Values, e => Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", e.Keys));
        return environments;
    }
}
