using Microsoft.AspNetCore.Diagnostics;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>
/// The last resort for a request the host's stop caught half-way: once the application is
/// stopping, a failure that reached the exception handler (a client or pool torn down under it)
/// is answered <c>503</c> with <c>Retry-After</c>, as the contract promises for a shutdown, not
/// <c>500</c>. The features themselves give back what they took on their own failure paths (the
/// idempotency claim, the coupon reservation written ahead as unsettled), so a retry is safe.
/// While the application runs, an unexpected exception stays the <c>500</c> it is.
/// </summary>
public sealed partial class ShuttingDownExceptionHandler(
    IHostApplicationLifetime lifetime,
    IProblemDetailsService problems,
    ILogger<ShuttingDownExceptionHandler> logger) : IExceptionHandler
{
    public const string Detail = "The service is shutting down; retry shortly.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!lifetime.ApplicationStopping.IsCancellationRequested || httpContext.Response.HasStarted)
        {
            return false;
        }
        Log.AnsweredUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = Problem.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.ServiceUnavailable,
                Title = "The service cannot take this request right now.",
                Detail = Detail,
            },
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "{Method} {Path} failed while the service was stopping ({ExceptionType}: {Reason}); answered 503")]
        public static partial void AnsweredUnavailable(ILogger logger, string method, string path, string exceptionType, string reason);
    }
}
