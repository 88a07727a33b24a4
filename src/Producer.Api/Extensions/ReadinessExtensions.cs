using KafkaPractice.Core.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.Producer.Api.Extensions;

public static class ReadinessExtensions
{
    /// <summary>
    /// The API serves as long as Kafka takes writes: a registration without an Idempotency-Key
    /// needs nothing else. So a Redis or MySQL outage makes <c>/health</c> Degraded (HTTP 200: still
    /// ready, as Aspire's WaitFor and the dashboard read it), not Unhealthy; the requests that do
    /// need them answer 503 on their own. The start-up warm-up and Kafka keep their Unhealthy.
    /// </summary>
    public static IHostApplicationBuilder AddApiReadiness(this IHostApplicationBuilder builder)
    {
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(IsPartialDependency))
            {
                registration.FailureStatus = HealthStatus.Degraded;
            }
        });
        return builder;
    }

    // AppDbContext: the MySQL client integration's DbContext check; "StackExchange.Redis": the Aspire Redis client's check.
    private static bool IsPartialDependency(HealthCheckRegistration registration) =>
        registration.Name == nameof(AppDbContext) || registration.Name.StartsWith("StackExchange.Redis", StringComparison.Ordinal);
}
