using KafkaPractice.Core.Data;
using KafkaPractice.Producer.Api.Coupons;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KafkaPractice.Producer.Api.Extensions;

public static class ReadinessExtensions
{
    /// <summary>
    /// The API serves as long as Kafka takes writes: a registration without an Idempotency-Key
    /// needs nothing else. So a Redis or MySQL outage makes <c>/health</c> Degraded (HTTP 200: still
    /// ready, as Aspire's WaitFor and the dashboard read it), not Unhealthy; the requests that do
    /// need them answer 503 on their own. Kafka keeps its Unhealthy. The start-up warm-up reports
    /// Degraded while it runs (no Error-level log line at every start) and <c>/health</c> answers
    /// 503 for it all the same: WaitFor, the AppHost's proxy and load balancers send nothing to an
    /// instance before it serves.
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
        // The options /health reads from the container (/alive passes its own).
        builder.Services.Configure<HealthCheckOptions>(options => options.ResponseWriter = WriteReadinessAsync);
        return builder;
    }

    // AppDbContext: the MySQL client integration's DbContext check; "StackExchange.Redis": the Aspire Redis client's check.
    // The default writer's plain-text status, and 503 while the warm-up runs.
    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        var warming = WarmUpHealthCheck.IsWarming(report);
        if (warming)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(warming ? nameof(HealthStatus.Unhealthy) : report.Status.ToString());
    }

    // AppDbContext: the MySQL client integration's DbContext check; "StackExchange.Redis": the Aspire Redis client's check.
    private static bool IsPartialDependency(HealthCheckRegistration registration) =>
        registration.Name == nameof(AppDbContext) || registration.Name.StartsWith("StackExchange.Redis", StringComparison.Ordinal);
}
