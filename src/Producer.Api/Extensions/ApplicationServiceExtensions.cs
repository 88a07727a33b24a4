using KafkaPractice.Core.Cache;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.MySqlClient;
using KafkaPractice.Producer.Api.Coupons;
using KafkaPractice.Producer.Api.Members;
using KafkaPractice.Producer.Api.Admission;
using KafkaPractice.Producer.Api.Problems;
using KafkaPractice.Producer.Api.Security;

namespace KafkaPractice.Producer.Api.Extensions;

public static class ApplicationServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddApiProblemDetails();
        builder.Services.AddOpenApi(openApi => openApi.AddAdminKeySecurityScheme());
        builder.AddAdminKey();
        builder.AddMemberRateLimiting();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // Optional fields of the contract ("memberId"?, "reason"?, "couponId"?) are left out, not sent as null.
            json.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
            // Numbers are JSON numbers only, as the binder reads them (Problems/RequestJsonContext.cs); the web
            // defaults would also accept "42" and make the OpenAPI document say integer-or-string.
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(
            kestrel => kestrel.Limits.MaxRequestBodySize = JsonBodyReader.MaxBodyBytes);

        builder.AddApiMessaging();
        builder.AddCoreCache();
        builder.AddMySqlDbContext<AppDbContext>(AppDatabase.ConnectionName, configureDbContextOptions: AppDatabase.ConfigureDbContext);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddMembers();
        builder.AddCoupons();
        builder.AddApiReadiness();
        return builder;
    }
}
