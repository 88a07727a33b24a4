using KafkaPractice.Producer.Api.Coupons;
using KafkaPractice.Producer.Api.Extensions;
using KafkaPractice.Producer.Api.Members;
using KafkaPractice.Producer.Api.Problems;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseRequestBodyLimit();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapOpenApi();
if (app.Environment.IsDevelopment())
{
    app.MapScalarApiReference();
}
app.MapDefaultEndpoints();
app.MapMembersApi();
app.MapCouponsApi();

app.Run();
