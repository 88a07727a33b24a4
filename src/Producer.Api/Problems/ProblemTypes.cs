namespace KafkaPractice.Producer.Api.Problems;

/// <summary>Stable problem <c>type</c> URIs (RFC 9457): clients branch on the slug, never on the title.</summary>
public static class ProblemTypes
{
    public const string BaseUri = "https://kafkapractice.dev/problems/";

    public const string ValidationFailed = BaseUri + "validation-failed";
    public const string MalformedJson = BaseUri + "malformed-json";
    public const string NotJsonObject = BaseUri + "not-a-json-object";
    public const string NotJson = BaseUri + "not-json";
    public const string DuplicateProperty = BaseUri + "duplicate-property";
    public const string UnsupportedMediaType = BaseUri + "unsupported-media-type";
    public const string PayloadTooLarge = BaseUri + "payload-too-large";
    public const string NotFound = BaseUri + "not-found";
    public const string MethodNotAllowed = BaseUri + "method-not-allowed";
    public const string BadRequest = BaseUri + "bad-request";
    public const string InternalError = BaseUri + "internal-error";
    public const string ServiceUnavailable = BaseUri + "service-unavailable";
    public const string InvalidIdempotencyKey = BaseUri + "invalid-idempotency-key";
    public const string IdempotencyKeyReused = BaseUri + "idempotency-key-reused";
    public const string IdempotencyKeyInFlight = BaseUri + "idempotency-key-in-flight";
    public const string EmailTaken = BaseUri + "email-taken";
    public const string RegistrationNotFound = BaseUri + "registration-not-found";
    public const string MemberNotFound = BaseUri + "member-not-found";

    /// <summary>The type for an answer that carries no more specific one (e.g. routing's 404 and 405).</summary>
    public static string ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status503ServiceUnavailable => ServiceUnavailable,
        >= 500 => InternalError,
        _ => BaseUri + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
