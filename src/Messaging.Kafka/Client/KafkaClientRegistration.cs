using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace KafkaPractice.Messaging.Kafka.Client;

/// <summary>What every client registration does: bind the settings, then add logging, metrics, tracing and the health check.</summary>
internal static class KafkaClientRegistration
{
    public const string ProducerSection = "Aspire:Confluent:Kafka:Producer";
    public const string ConsumerSection = "Aspire:Confluent:Kafka:Consumer";

    /// <summary>librdkafka's statistics interval when metrics are on and the settings name none.</summary>
    private const int DefaultStatisticsIntervalMs = 5000;

    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The section, then its sub-section named for the connection, then <c>ConnectionStrings:{connectionName}</c>,
    /// then <paramref name="configure"/>: each later source wins.
    /// </summary>
    public static TSettings Bind<TSettings>(IConfiguration configuration, string sectionName, string connectionName, Action<TSettings>? configure)
        where TSettings : IKafkaClientSettings, new()
    {
        var section = configuration.GetSection(sectionName);
        var settings = new TSettings();
        section.Bind(settings);
        section.GetSection(connectionName).Bind(settings);
        if (configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            settings.ConnectionString = connectionString;
        }
        configure?.Invoke(settings);

        var config = settings.ClientConfig;
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            config.BootstrapServers = settings.ConnectionString;
        }
        if (string.IsNullOrWhiteSpace(config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"Kafka bootstrap servers are not set for '{connectionName}'. Set ConnectionStrings:{connectionName} (the AppHost does) or {sectionName}:Config:BootstrapServers.");
        }
        if (settings.DisableMetrics)
        {
            config.StatisticsIntervalMs = 0;
        }
        else
        {
            config.StatisticsIntervalMs ??= DefaultStatisticsIntervalMs;
        }
        return settings;
    }

    /// <summary>Registers the client as a singleton, under <paramref name="serviceKey"/> when there is one.</summary>
    public static void AddClient<TClient>(IHostApplicationBuilder builder, string? serviceKey, Func<IServiceProvider, TClient> create)
        where TClient : class
    {
        if (serviceKey is null)
        {
            builder.Services.AddSingleton(create);
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (sp, _) => create(sp));
        }
    }

    public static ILogger ClientLogger(IServiceProvider services) =>
        services.GetRequiredService<ILoggerFactory>().CreateLogger("KafkaPractice.Kafka.Client");

    /// <summary>The statistics sink of a client, or null when metrics are off.</summary>
    public static KafkaClientMetrics? Metrics(IServiceProvider services, IKafkaClientSettings settings) =>
        settings.DisableMetrics || (settings.ClientConfig.StatisticsIntervalMs ?? 0) <= 0 ? null : services.GetRequiredService<KafkaClientMetrics>();

    public static void AddTelemetryAndHealth(IHostApplicationBuilder builder, string healthCheckName, IKafkaClientSettings settings)
    {
        if (!settings.DisableMetrics)
        {
            builder.Services.TryAddSingleton<KafkaClientMetrics>();
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(KafkaClientMetrics.MeterName));
        }
        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(KafkaTracing.ActivitySourceName));
        }
        if (settings.DisableHealthChecks || builder.Services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, healthCheckName) && d.ServiceType == typeof(KafkaHealthCheck)))
        {
            return;
        }
        var healthConfig = new AdminClientConfig { BootstrapServers = settings.ClientConfig.BootstrapServers };
        foreach (var (key, value) in settings.ClientConfig.Where(kv => kv.Key.StartsWith("security.", StringComparison.Ordinal) || kv.Key.StartsWith("sasl.", StringComparison.Ordinal) || kv.Key.StartsWith("ssl.", StringComparison.Ordinal)))
        {
            healthConfig.Set(key, value);
        }
        // The topology, when the application registered one, lets the check judge partitions and in-sync replicas too.
        builder.Services.AddKeyedSingleton(healthCheckName, (sp, _) => new KafkaHealthCheck(healthConfig, sp.GetService<KafkaTopology>(), HealthCheckTimeout));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckName,
            sp => sp.GetRequiredKeyedService<KafkaHealthCheck>(healthCheckName),
            failureStatus: null,
            tags: ["ready"]));
    }
}
