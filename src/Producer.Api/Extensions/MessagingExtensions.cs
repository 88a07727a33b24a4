using KafkaPractice.Messaging.Kafka;

namespace KafkaPractice.Producer.Api.Extensions;

public static class MessagingExtensions
{
    /// <summary>
    /// The topology and the API's one producer, with this system's client rules
    /// (<see cref="KafkaClientRules"/>: acks and idempotence from the topology, the delivery
    /// timeout that bounds a 202, linger), and that timeout for the classes that wait on it.
    /// </summary>
    public static IHostApplicationBuilder AddApiMessaging(this IHostApplicationBuilder builder)
    {
        var topology = builder.AddKafkaTopology();
        builder.AddKafkaProducer<string, byte[]>(KafkaClientRules.ConnectionName, settings =>
        {
            KafkaClientRules.ApplyProducerRules(settings.Config, topology);
            builder.Services.AddSingleton(ProduceTimeout.Of(settings.Config));
        });
        return builder;
    }
}
