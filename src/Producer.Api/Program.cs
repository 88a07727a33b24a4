using KafkaPractice.Producer.Api.Admission;
using KafkaPractice.Producer.Api.Coupons;
using KafkaPractice.Producer.Api.Extensions;
using KafkaPractice.Producer.Api.Members;
using KafkaPractice.Producer.Api.Problems;
using KafkaPractice.Producer.Api.Security;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseRequestBodyLimit();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMemberRateLimiting();

// Only the documents that exist: any other name is routing's 404 problem, not the OpenAPI middleware's plain-text 404.
app.MapOpenApi("/openapi/{documentName:regex(^v1$)}.json");
if (app.Environment.IsDevelopment())
{
    // The page offers the admin key's bearer scheme for POST /campaigns (the key itself is typed in, never embedded).
    app.MapScalarApiReference(scalar => scalar.AddPreferredSecuritySchemes([AdminKeyOpenApi.SchemeName]));
}
app.MapDefaultEndpoints();
app.MapMembersApi();
app.MapCouponsApi();

app.Run();
