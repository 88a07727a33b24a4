namespace KafkaPractice.Producer.Api.Coupons;

public static class CouponServiceExtensions
{
    /// <summary>The coupon flow: MySQL campaigns, Redis stock, the produce, and reconciliation.</summary>
    public static IHostApplicationBuilder AddCoupons(this IHostApplicationBuilder builder)
    {
        var options = new CouponOptions();
        builder.Configuration.GetSection(CouponOptions.SectionName).Bind(options);
        builder.Services.AddSingleton(options);
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
