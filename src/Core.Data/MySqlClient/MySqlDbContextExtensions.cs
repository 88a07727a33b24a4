using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace KafkaPractice.Core.Data.MySqlClient;

/// <summary>
/// The project's stand-in for Aspire.Pomelo.EntityFrameworkCore.MySql (docs/integrations.md): the same
/// method, parameters, settings and configuration keys, so that switching to the package is a change
/// of <c>using</c> directives.
/// </summary>
public static class MySqlDbContextExtensions
{
    public const string DefaultConfigSectionName = "Aspire:Pomelo:EntityFrameworkCore:MySql";

    /// <summary>The OpenTelemetry source and meter of MySqlConnector, the ADO.NET driver under Pomelo.</summary>
    public const string MySqlConnectorTelemetryName = "MySqlConnector";

    /// <summary>EF Core's own meter (active contexts, queries, SaveChanges, execution strategy failures).</summary>
    public const string EntityFrameworkCoreMeterName = "Microsoft.EntityFrameworkCore";

    /// <summary>
    /// Registers <typeparamref name="TContext"/> as a pooled context on MySQL/MariaDB with retries on
    /// transient errors, a health check, and traces and metrics. Settings are read from
    /// <see cref="DefaultConfigSectionName"/>, then its <c>{connectionName}</c> subsection, then its
    /// <c>{TContext name}</c> subsection, each overriding the one before; the connection string from
    /// <c>ConnectionStrings:{connectionName}</c>; then <paramref name="configureSettings"/> has the last word.
    /// <paramref name="configureDbContextOptions"/> runs after the provider is set up.
    /// </summary>
    public static void AddMySqlDbContext<TContext>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<PomeloEntityFrameworkCoreMySqlSettings>? configureSettings = null,
        Action<DbContextOptionsBuilder>? configureDbContextOptions = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);

        var settings = ReadSettings<TContext>(builder.Configuration, connectionName);
        configureSettings?.Invoke(settings);

        builder.Services.AddDbContextPool<TContext>(options =>
        {
            var connectionString = settings.ConnectionString;
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    $"ConnectionString is missing. Set 'ConnectionStrings:{connectionName}' (the AppHost does), or 'ConnectionString' in " +
                    $"'{DefaultConfigSectionName}' or '{DefaultConfigSectionName}:{typeof(TContext).Name}'.");
            }
            var serverVersion = settings.ServerVersion is { Length: > 0 } version
                ? ServerVersion.Parse(version)
                : ServerVersion.AutoDetect(connectionString);

            options.UseMySql(connectionString, serverVersion, mysql =>
            {
                if (!settings.DisableRetry)
                {
                    mysql.EnableRetryOnFailure();
                }
                if (settings.CommandTimeout is { } seconds)
                {
                    mysql.CommandTimeout(seconds);
                }
            });
            configureDbContextOptions?.Invoke(options);
        });

        var healthCheckName = typeof(TContext).Name;
        if (!settings.DisableHealthChecks && builder.Properties.TryAdd($"HealthChecks.{healthCheckName}", true))
        {
            builder.Services.AddHealthChecks().AddDbContextCheck<TContext>(healthCheckName);
        }
        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(MySqlConnectorTelemetryName));
        }
        if (!settings.DisableMetrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(MySqlConnectorTelemetryName)
                .AddMeter(EntityFrameworkCoreMeterName));
        }
    }

    internal static PomeloEntityFrameworkCoreMySqlSettings ReadSettings<TContext>(IConfiguration configuration, string connectionName)
    {
        var settings = new PomeloEntityFrameworkCoreMySqlSettings();
        var section = configuration.GetSection(DefaultConfigSectionName);
        section.Bind(settings);
        section.GetSection(connectionName).Bind(settings);
        section.GetSection(typeof(TContext).Name).Bind(settings);
        if (configuration.GetConnectionString(connectionName) is { } connectionString)
        {
            settings.ConnectionString = connectionString;
        }
        return settings;
    }
}
