using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.ServiceDefaults.Kafka;
using KafkaPractice.ServiceDefaults.Messages.Coupons;

namespace KafkaPractice.Consumer.Worker.Coupons;

public static class CouponWorkerExtensions
{
    /// <summary>
    /// <c>create_coupon</c> -> MySQL <c>coupons</c>. Settings in section <c>Consumers:Coupons</c>
    /// (<see cref="BatchConsumerOptions"/>); <c>Consumers:Replicas</c> applies as for every consumer.
    /// The group id must match the API's <c>Coupons:ConsumerGroup</c>: the API waits on this group's
    /// committed offsets when it rebuilds stock from MySQL.
    /// </summary>
    public static IHostApplicationBuilder AddCouponRequests(this IHostApplicationBuilder builder)
    {
        var options = new BatchConsumerOptions { Topic = KafkaTopology.CreateCoupon, GroupId = CouponRequested.DefaultConsumerGroup };
        builder.Configuration.GetSection("Consumers").Bind(options);
        builder.Configuration.GetSection("Consumers:Coupons").Bind(options);

        builder.Services.AddSingleton<IMessageReader<CouponRequested>>(
            new ContractReader<CouponRequested>(CouponRequested.TypeName, value => CouponRequested.FromUtf8Json(value)));
        builder.Services.AddScoped<IBatchHandler<CouponRequested>, CouponRequestBatchHandler>();
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<BatchConsumerService<CouponRequested>>(sp, options));
        return builder;
    }
}
