using Microsoft.AspNetCore.Http.HttpResults;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>Problem answers used across features; each sets a stable type.</summary>
public static class Problem
{
    /// <summary>Seconds a client should wait before retrying after a 503.</summary>
    public const int RetryAfterSeconds = 5;

    public static ProblemHttpResult Of(int status, string type, string title, string? detail = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type);

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        ValidationOf(errors, ProblemTypes.ValidationFailed, "The request is invalid.", "One or more fields are invalid; see 'errors'.");

    /// <summary>A 400 with per-field <c>errors</c> (RFC 9457 extension member), under the given type.</summary>
    public static ProblemHttpResult ValidationOf(IDictionary<string, string[]> errors, string type, string title, string detail) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Type = type,
            Title = title,
            Detail = detail,
        });

    public static ProblemHttpResult Unavailable(HttpContext context, string detail)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Of(StatusCodes.Status503ServiceUnavailable, ProblemTypes.ServiceUnavailable, "The service cannot take this request right now.", detail);
    }
}
