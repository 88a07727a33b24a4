using Confluent.Kafka;
using KafkaPractice.Messaging.Coupons;
using KafkaPractice.Messaging.Kafka;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Producer.Api.Coupons;

public static class CouponServiceExtensions
{
    /// <summary>The coupon flow: MySQL campaigns, Redis stock, the produce, and reconciliation.</summary>
    public static IHostApplicationBuilder AddCoupons(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CouponOptions>().BindConfiguration(CouponOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<CouponOptions>>().Value);

        // Reads the coupon group's committed offsets for KafkaCouponLog; it never subscribes, so it never joins the group.
        var group = builder.Configuration[$"{CouponOptions.SectionName}:{nameof(CouponOptions.ConsumerGroup)}"] ?? CouponRequested.DefaultConsumerGroup;
        builder.AddKafkaConsumer<Ignore, Ignore>(KafkaClientRules.ConnectionName, settings =>
        {
            KafkaClientRules.ApplyConsumerRules(settings.Config);
            settings.Config.GroupId = group;
            settings.Config.ClientId = "producer-api-coupon-progress";
            // Never polled, so librdkafka's statistics would only pile up; the producer's check covers the cluster.
            settings.DisableMetrics = true;
            settings.DisableHealthChecks = true;
        });

        builder.Services.AddSingleton<CampaignStore>();
        builder.Services.AddSingleton<InFlightCoupons>();
        builder.Services.AddSingleton<IIssuedCoupons>(sp => sp.GetRequiredService<CampaignStore>());
        builder.Services.AddSingleton<ICouponLog, KafkaCouponLog>();
        builder.Services.AddSingleton<CampaignReconciler>();
        builder.Services.AddSingleton<CouponIssuer>();
        builder.Services.AddHostedService<UncertainReservationSettler>();
        builder.Services.AddSingleton<DefaultCampaignWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DefaultCampaignWarmUp>());
        builder.Services.AddHealthChecks().AddCheck<WarmUpHealthCheck>(WarmUpHealthCheck.Name, tags: ["ready"]);
        return builder;
    }
}
