using System.Diagnostics;

namespace KafkaPractice.Producer.Api.Problems;

public static class ProblemDetailsExtensions
{
    /// <summary>
    /// Every error answer is an RFC 9457 document: routing's 404/405, Kestrel's 413 and unhandled
    /// exceptions included (a failure while the service stops is a 503: <see cref="ShuttingDownExceptionHandler"/>).
    /// Answers without a specific type get one derived from the status.
    /// </summary>
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services) =>
        services.AddExceptionHandler<ShuttingDownExceptionHandler>().AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (status == StatusCodes.Status415UnsupportedMediaType)
            {
                // Routing refuses a Content-Type the endpoint does not accept with 415 before the
                // endpoint runs; the contract answers a body that is not JSON with 400.
                status = StatusCodes.Status400BadRequest;
                context.HttpContext.Response.StatusCode = status;
                problem.Status = status;
                problem.Type = ProblemTypes.NotJson;
                problem.Title = JsonBodyReader.NotJsonTitle;
                problem.Detail = JsonBodyReader.NotJsonDetail;
            }
            if (problem.Type is null || !problem.Type.StartsWith(ProblemTypes.BaseUri, StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(status);
            }
            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
            if (status == StatusCodes.Status503ServiceUnavailable && !context.HttpContext.Response.Headers.ContainsKey("Retry-After"))
            {
                context.HttpContext.Response.Headers.RetryAfter = Problem.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        });

    /// <summary>
    /// A POST that announces a body over the limit is refused before routing, so every endpoint
    /// (present and future) answers 413 the same way.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > JsonBodyReader.MaxBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await JsonBodyReader.TooLarge().ExecuteAsync(context);
                return;
            }
            await next(context);
        });
}
