using Confluent.Kafka;
using KafkaPractice.Messaging.Kafka.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers Kafka consumers the way Aspire.Confluent.Kafka does: a singleton
/// <see cref="IConsumer{TKey,TValue}"/> whose settings name its group (<c>Config.GroupId</c>).
/// <see cref="AddKafkaConsumerFactory{TKey,TValue}"/> has no counterpart there: it hands out
/// consumers with the same settings, for a service that runs several (docs/integrations.md).
/// </summary>
public static class KafkaConsumerExtensions
{
    public static void AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        Add(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>As <see cref="AddKafkaConsumer{TKey,TValue}"/>, registered under the service key <paramref name="name"/> (also the connection name).</summary>
    public static void AddKeyedKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string name,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null) =>
        Add(builder, name, serviceKey: name, configureSettings, configureBuilder);

    /// <summary>
    /// Registers a <see cref="KafkaConsumerFactory{TKey,TValue}"/>: consumers are not thread-safe and a
    /// service often runs several (one per partition), each with its own group and handlers.
    /// </summary>
    public static void AddKafkaConsumerFactory<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var settings = KafkaClientRegistration.Bind(builder.Configuration, KafkaClientRegistration.ConsumerSection, connectionName, configureSettings);
        builder.Services.AddSingleton(sp => new KafkaConsumerFactory<TKey, TValue>(
            settings.Config,
            KafkaClientRegistration.ClientLogger(sp),
            KafkaClientRegistration.Metrics(sp, settings)));
        KafkaClientRegistration.AddTelemetryAndHealth(builder, connectionName, settings);
    }

    private static void Add<TKey, TValue>(
        IHostApplicationBuilder builder,
        string connectionName,
        string? serviceKey,
        Action<KafkaConsumerSettings>? configureSettings,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var settings = KafkaClientRegistration.Bind(builder.Configuration, KafkaClientRegistration.ConsumerSection, connectionName, configureSettings);
        if (string.IsNullOrWhiteSpace(settings.Config.GroupId))
        {
            throw new InvalidOperationException(
                $"A Kafka consumer needs a group: set {KafkaClientRegistration.ConsumerSection}:Config:GroupId or Config.GroupId in configureSettings.");
        }
        KafkaClientRegistration.AddClient(builder, serviceKey, sp => Build(sp, settings, configureBuilder));
        KafkaClientRegistration.AddTelemetryAndHealth(builder, connectionName, settings);
    }

    private static IConsumer<TKey, TValue> Build<TKey, TValue>(
        IServiceProvider services, KafkaConsumerSettings settings, Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder) =>
        new KafkaConsumerFactory<TKey, TValue>(settings.Config, KafkaClientRegistration.ClientLogger(services), KafkaClientRegistration.Metrics(services, settings))
            .Create(settings.Config.GroupId, settings.Config.ClientId, builder => configureBuilder?.Invoke(services, builder));
}
