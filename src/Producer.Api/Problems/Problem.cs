namespace KafkaPractice.Producer.Api.Problems;

/// <summary>Problem answers used across features; each sets a stable type.</summary>
public static class Problem
{
    /// <summary>Seconds a client should wait before retrying after a 503.</summary>
    public const int RetryAfterSeconds = 5;

    public static IResult Of(int status, string type, string title, string? detail = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type);

    public static IResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors,
            detail: "One or more fields are invalid; see 'errors'.",
            title: "The request is invalid.",
            type: ProblemTypes.ValidationFailed);

    public static IResult Unavailable(HttpContext context, string detail)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Of(StatusCodes.Status503ServiceUnavailable, ProblemTypes.ServiceUnavailable, "The service cannot take this request right now.", detail);
    }
}
