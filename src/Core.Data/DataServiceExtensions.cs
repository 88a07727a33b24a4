using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace KafkaPractice.Core.Data;

/// <summary>
/// Registers <see cref="AppDbContext"/> on MySQL/MariaDB the way an Aspire client integration
/// would: connection string from <c>ConnectionStrings:appdb</c>, pooling, retry on transient
/// errors, a health check, and MySqlConnector's traces and metrics.
/// </summary>
public static class DataServiceExtensions
{
    public const string ConnectionName = "appdb";

    public static IHostApplicationBuilder AddAppDbContext(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionName} is not set. Start the system through the AppHost, or set it to a MySQL connection string.");
        var serverVersion = ResolveServerVersion(builder.Configuration, connectionString);

        builder.Services.AddDbContextPool<AppDbContext>(options => options.UseMySql(
            connectionString,
            serverVersion,
            mysql => mysql.EnableRetryOnFailure(maxRetryCount: 6, maxRetryDelay: TimeSpan.FromSeconds(5), errorNumbersToAdd: null)));

        builder.Services.AddHealthChecks().AddDbContextCheck<AppDbContext>("mysql", tags: ["ready"]);

        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource("MySqlConnector"))
            .WithMetrics(m => m.AddMeter("MySqlConnector"));
        return builder;
    }

    /// <summary>
    /// <c>Database:ServerVersion</c> (e.g. <c>10.11-mariadb</c>, <c>8.4-mysql</c>) when the AppHost
    /// knows it; otherwise asked of the server once, at start.
    /// </summary>
    public static ServerVersion ResolveServerVersion(IConfiguration configuration, string connectionString)
    {
        var configured = configuration["Database:ServerVersion"];
        return string.IsNullOrWhiteSpace(configured)
            ? ServerVersion.AutoDetect(connectionString)
            : ServerVersion.Parse(configured);
    }

    /// <summary>MySQL error 1062: duplicate entry for a unique key.</summary>
    public static bool IsDuplicateKey(this Exception exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry }
        || exception.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };
}
