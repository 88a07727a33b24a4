using KafkaPractice.Consumer.Worker.Coupons;
using KafkaPractice.Consumer.Worker.Members;
using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.MySqlClient;
using KafkaPractice.Messaging.Kafka;

namespace KafkaPractice.Consumer.Worker.Extensions;

public static class WorkerServiceExtensions
{
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddWorkerMessaging();
        builder.AddMySqlDbContext<AppDbContext>(AppDatabase.ConnectionName, configureDbContextOptions: AppDatabase.ConfigureDbContext);
        builder.AddCoreCache();
        builder.Services.AddSingleton(TimeProvider.System);
        // Leaving a busy group can wait for a rebalance; a stop must not. Anything not committed by
        // then is read again after the restart, which the idempotent handlers absorb.
        builder.Services.AddOptions<HostOptions>().Configure(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(builder.Configuration.GetValue("Consumers:ShutdownTimeoutSeconds", 5));
            // Each topic's consumers leave their group at the same time, not one topic after another.
            o.ServicesStopConcurrently = true;
        });
        builder.AddMemberRegistrations();
        builder.AddCouponRequests();
        return builder;
    }

    /// <summary>
    /// The topology, the consumers (one factory: each batch consumer makes its own) and the
    /// dead-letter producer, with this system's client rules (<see cref="KafkaClientRules"/>).
    /// </summary>
    public static IHostApplicationBuilder AddWorkerMessaging(this IHostApplicationBuilder builder)
    {
        var topology = builder.AddKafkaTopology();
        builder.AddKafkaConsumerFactory<byte[], byte[]>(KafkaClientRules.ConnectionName,
            settings => KafkaClientRules.ApplyConsumerRules(settings.Config));
        builder.AddKafkaProducer<byte[], byte[]>(KafkaClientRules.ConnectionName,
            settings => KafkaClientRules.ApplyProducerRules(settings.Config, topology));
        builder.Services.AddSingleton<DeadLetterPublisher>();
        return builder;
    }
}
