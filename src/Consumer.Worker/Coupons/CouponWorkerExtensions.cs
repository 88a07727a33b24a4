using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Coupons;

namespace KafkaPractice.Consumer.Worker.Coupons;

public static class CouponWorkerExtensions
{
    /// <summary>
    /// <c>create_coupon</c> -> MySQL <c>coupons</c>. Settings in section <c>Consumers:Coupons</c>
    /// (<see cref="BatchConsumerOptions"/>); <c>Consumers:Replicas</c> applies as for every consumer.
    /// The group id must match the API's <c>Coupons:ConsumerGroup</c>: the API waits on this group's
    /// committed offsets when it rebuilds stock from MySQL.
    /// </summary>
    public static IHostApplicationBuilder AddCouponRequests(this IHostApplicationBuilder builder) =>
        builder.AddBatchConsumer<CouponRequested, CouponRequestBatchHandler>(
            KafkaTopology.CreateCoupon, CouponRequested.DefaultConsumerGroup, "Consumers:Coupons", value => CouponRequested.FromUtf8Json(value));
}
