using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace KafkaPractice.ServiceDefaults.Kafka;

/// <summary>
/// Registers Kafka clients the way an Aspire client integration does: settings bound from one
/// configuration section, the bootstrap list from <c>ConnectionStrings:{connectionName}</c>,
/// a health check, metrics from librdkafka statistics, and tracing. Durability comes from the
/// shared <see cref="KafkaTopology"/>, never from per-service settings.
/// </summary>
public static class KafkaClientExtensions
{
    public const string DefaultConnectionName = "kafka";

    /// <summary>Registers a singleton <see cref="IProducer{TKey,TValue}"/> (thread-safe; one per process is the norm).</summary>
    public static IHostApplicationBuilder AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName = DefaultConnectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        var settings = BindSettings<KafkaProducerSettings>(builder.Configuration, KafkaProducerSettings.SectionName, connectionName, configureSettings);
        var topology = KafkaTopology.From(builder.Configuration);
        var config = BuildProducerConfig(settings, topology);

        builder.Services.TryAddSingleton(settings);
        builder.Services.AddSingleton(sp =>
        {
            var producerBuilder = new ProducerBuilder<TKey, TValue>(config);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("KafkaPractice.Kafka.Producer");
            producerBuilder.SetLogHandler((_, m) => KafkaClientLog.Librdkafka(logger, m));
            producerBuilder.SetErrorHandler((_, e) => KafkaClientLog.ClientError(logger, e.Code, e.Reason, e.IsFatal));
            if (!settings.DisableMetrics && settings.StatisticsIntervalMs > 0)
            {
                var metrics = sp.GetRequiredService<KafkaClientMetrics>();
                producerBuilder.SetStatisticsHandler((_, json) => metrics.Record(json));
            }
            configureBuilder?.Invoke(producerBuilder);
            return producerBuilder.Build();
        });

        AddCommon(builder, settings, config);
        return builder;
    }

    /// <summary>
    /// Registers a <see cref="KafkaConsumerFactory{TKey,TValue}"/>: consumers are not thread-safe and a
    /// service often runs several (one per partition), so it gets a factory rather than one instance.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaConsumerFactory<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName = DefaultConnectionName,
        Action<KafkaConsumerSettings>? configureSettings = null)
    {
        var settings = BindSettings<KafkaConsumerSettings>(builder.Configuration, KafkaConsumerSettings.SectionName, connectionName, configureSettings);
        var config = BuildConsumerConfig(settings);

        builder.Services.TryAddSingleton(settings);
        builder.Services.AddSingleton(sp => new KafkaConsumerFactory<TKey, TValue>(
            config,
            settings,
            sp.GetRequiredService<ILoggerFactory>(),
            settings.DisableMetrics ? null : sp.GetRequiredService<KafkaClientMetrics>()));

        AddCommon(builder, settings, config);
        return builder;
    }

    public static ProducerConfig BuildProducerConfig(KafkaProducerSettings settings, KafkaTopology topology)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            MessageTimeoutMs = settings.MessageTimeoutMs,
            // message.timeout.ms only expires records still queued; a request already sent waits
            // for request.timeout.ms (30 s by default) whatever the message timeout. Equal, they
            // make the message timeout the bound on an answer, also when a broker takes a request
            // and never answers (the record then fails as PossiblyPersisted).
            RequestTimeoutMs = settings.MessageTimeoutMs,
            // Small batches with a short linger: the API waits for every record's acknowledgement.
            LingerMs = 5,
            StatisticsIntervalMs = settings.DisableMetrics ? 0 : settings.StatisticsIntervalMs,
        };
        foreach (var (key, value) in settings.Config)
        {
            config.Set(key, value);
        }
        // The topology decides durability; a per-service override here would silently weaken it.
        config.Set("acks", topology.Acks);
        config.EnableIdempotence = topology.EnableIdempotence;
        return config;
    }

    public static ConsumerConfig BuildConsumerConfig(KafkaConsumerSettings settings)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Offsets are committed explicitly, after the database transaction commits.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            SessionTimeoutMs = settings.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(500, settings.SessionTimeoutMs / 3),
            StatisticsIntervalMs = settings.DisableMetrics ? 0 : settings.StatisticsIntervalMs,
        };
        foreach (var (key, value) in settings.Config)
        {
            config.Set(key, value);
        }
        return config;
    }

    private static TSettings BindSettings<TSettings>(
        IConfiguration configuration, string sectionName, string connectionName, Action<TSettings>? configure)
        where TSettings : KafkaClientSettings, new()
    {
        var settings = new TSettings();
        configuration.GetSection(sectionName).Bind(settings);
        if (string.IsNullOrWhiteSpace(settings.BootstrapServers))
        {
            settings.BootstrapServers = configuration.GetConnectionString(connectionName);
        }
        configure?.Invoke(settings);
        if (string.IsNullOrWhiteSpace(settings.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"Kafka bootstrap servers are not set. Set ConnectionStrings:{connectionName} (the AppHost does) or {sectionName}:BootstrapServers.");
        }
        return settings;
    }

    private static void AddCommon(IHostApplicationBuilder builder, KafkaClientSettings settings, ClientConfig config)
    {
        builder.Services.TryAddSingleton(KafkaTopology.From(builder.Configuration));

        if (!settings.DisableMetrics)
        {
            builder.Services.TryAddSingleton<KafkaClientMetrics>();
            builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(KafkaClientMetrics.MeterName));
        }
        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(KafkaTracing.ActivitySourceName));
        }
        if (!settings.DisableHealthChecks
            && !builder.Services.Any(d => d.ServiceType == typeof(KafkaHealthCheck)))
        {
            var healthConfig = new AdminClientConfig { BootstrapServers = config.BootstrapServers };
            foreach (var (key, value) in settings.Config.Where(kv => kv.Key.StartsWith("security.", StringComparison.Ordinal) || kv.Key.StartsWith("sasl.", StringComparison.Ordinal) || kv.Key.StartsWith("ssl.", StringComparison.Ordinal)))
            {
                healthConfig.Set(key, value);
            }
            builder.Services.AddSingleton(sp => new KafkaHealthCheck(healthConfig, sp.GetRequiredService<KafkaTopology>(), settings.HealthCheckTimeout));
            builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                "kafka",
                sp => sp.GetRequiredService<KafkaHealthCheck>(),
                failureStatus: null,
                tags: ["ready"]));
        }
    }
}
