using KafkaPractice.Consumer.Worker.Coupons;
using KafkaPractice.Consumer.Worker.Members;
using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.MySqlClient;
using KafkaPractice.ServiceDefaults.Kafka;
using KafkaPractice.ServiceDefaults.Messages.Members;

namespace KafkaPractice.Consumer.Worker.Extensions;

public static class WorkerServiceExtensions
{
    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        builder.AddKafkaConsumerFactory<byte[], byte[]>();
        builder.AddKafkaProducer<byte[], byte[]>();
        builder.AddMySqlDbContext<AppDbContext>(AppDatabase.ConnectionName, configureDbContextOptions: AppDatabase.ConfigureDbContext);
        builder.AddCoreCache();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<DeadLetterPublisher>();
        // Leaving a busy group can wait for a rebalance; a stop must not. Anything not committed by
        // then is read again after the restart, which the idempotent handlers absorb.
        builder.Services.Configure<HostOptions>(o =>
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
    /// <c>create_member</c> -> MySQL. Settings in section <c>Consumers:Members</c>
    /// (<see cref="BatchConsumerOptions"/>); <c>Consumers:Replicas</c> applies to every consumer.
    /// </summary>
    public static IHostApplicationBuilder AddMemberRegistrations(this IHostApplicationBuilder builder)
    {
        var options = new BatchConsumerOptions { Topic = KafkaTopology.CreateMember, GroupId = "member-registrations" };
        builder.Configuration.GetSection("Consumers").Bind(options);
        builder.Configuration.GetSection("Consumers:Members").Bind(options);

        builder.Services.AddSingleton<IMessageReader<MemberRegistrationRequested>>(
            new ContractReader<MemberRegistrationRequested>(MemberRegistrationRequested.TypeName, value => MemberRegistrationRequested.FromUtf8Json(value)));
        builder.Services.AddScoped<IBatchHandler<MemberRegistrationRequested>, MemberRegistrationBatchHandler>();
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<BatchConsumerService<MemberRegistrationRequested>>(sp, options));
        builder.Services.AddHostedService<MemberCacheRebuilder>();
        return builder;
    }
}
