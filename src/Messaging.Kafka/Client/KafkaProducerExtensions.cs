using Confluent.Kafka;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Kafka.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers Kafka producers the way Aspire.Confluent.Kafka does (same method names and
/// parameters): settings from configuration, a singleton <see cref="IProducer{TKey,TValue}"/>
/// (thread-safe; one per process is the norm), librdkafka's log in the application's log, metrics
/// from its statistics and a health check. No rule of this system is applied here: callers pass
/// them through <c>configureSettings</c>.
/// </summary>
public static class KafkaProducerExtensions
{
    public static void AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null) =>
        Add(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>As <see cref="AddKafkaProducer{TKey,TValue}"/>, registered under the service key <paramref name="name"/> (also the connection name).</summary>
    public static void AddKeyedKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string name,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null) =>
        Add(builder, name, serviceKey: name, configureSettings, configureBuilder);

    private static void Add<TKey, TValue>(
        IHostApplicationBuilder builder,
        string connectionName,
        string? serviceKey,
        Action<KafkaProducerSettings>? configureSettings,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var settings = KafkaClientRegistration.Bind(builder.Configuration, KafkaClientRegistration.ProducerSection, connectionName, configureSettings);
        KafkaClientRegistration.AddClient(builder, serviceKey, sp => Build(sp, settings, configureBuilder));
        KafkaClientRegistration.AddTelemetryAndHealth(builder, connectionName, settings);
    }

    private static IProducer<TKey, TValue> Build<TKey, TValue>(
        IServiceProvider services, KafkaProducerSettings settings, Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder)
    {
        var logger = KafkaClientRegistration.ClientLogger(services);
        var builder = new ProducerBuilder<TKey, TValue>(settings.Config)
            .SetLogHandler((_, m) => KafkaClientLog.Librdkafka(logger, m))
            .SetErrorHandler((_, e) => KafkaClientLog.ClientError(logger, e.Code, e.Reason, e.IsFatal));
        if (KafkaClientRegistration.Metrics(services, settings) is { } metrics)
        {
            builder.SetStatisticsHandler((_, json) => metrics.Record(json));
        }
        configureBuilder?.Invoke(services, builder);
        return builder.Build();
    }
}
