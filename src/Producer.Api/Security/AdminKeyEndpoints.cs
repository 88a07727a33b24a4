using KafkaPractice.Producer.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KafkaPractice.Producer.Api.Security;

/// <summary>Marks an endpoint that needs the admin key (read by the filter and the OpenAPI document).</summary>
public sealed class AdminKeyRequiredMetadata
{
    public static readonly AdminKeyRequiredMetadata Instance = new();
}

/// <summary>
/// The admin key on selected endpoints: <c>Authorization: Bearer &lt;admin key&gt;</c>, else a
/// 401 (no or malformed credential, with <c>WWW-Authenticate: Bearer</c>) or 403 (a credential
/// that is not the key) problem, answered before the endpoint reads its body.
/// </summary>
public static partial class AdminKeyEndpoints
{
    public static IHostApplicationBuilder AddAdminKey(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminKeyOptions>()
            .BindConfiguration(AdminKeyOptions.SectionName)
            .Validate(o => o.AdminApiKey.Length >= AdminKeyOptions.MinimumKeyLength,
                $"Security:AdminApiKey must be set to a key of at least {AdminKeyOptions.MinimumKeyLength} characters " +
                "(the AppHost passes its secret parameter 'admin-api-key' as Security__AdminApiKey).")
            .ValidateOnStart();
        builder.Services.AddSingleton<AdminKeyVerifier>();
        return builder;
    }

    public static RouteHandlerBuilder RequireAdminKey(this RouteHandlerBuilder endpoint) =>
        endpoint
            .WithMetadata(AdminKeyRequiredMetadata.Instance)
            .AddEndpointFilter(static async (context, next) =>
            {
                var http = context.HttpContext;
                var verifier = http.RequestServices.GetRequiredService<AdminKeyVerifier>();
                var credential = verifier.Check(http.Request.Headers.Authorization);
                if (credential == AdminCredential.Valid)
                {
                    return await next(context);
                }
                var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminKeyEndpoints));
                Log.AdminRequestRefused(logger, http.Request.Method, http.Request.Path.Value ?? "", credential);
                return credential == AdminCredential.Wrong ? Forbidden() : Unauthenticated(http, credential);
            })
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static ProblemHttpResult Unauthenticated(HttpContext http, AdminCredential credential)
    {
        // RFC 6750 section 3: a request without credentials gets the bare challenge; a malformed one, invalid_request.
        http.Response.Headers.WWWAuthenticate = credential == AdminCredential.Missing
            ? "Bearer realm=\"producer-api\""
            : "Bearer realm=\"producer-api\", error=\"invalid_request\"";
        return Problem.Of(StatusCodes.Status401Unauthorized, SecurityProblemTypes.AdminKeyRequired,
            "This endpoint needs the admin key.",
            credential == AdminCredential.Missing
                ? "Send 'Authorization: Bearer <admin key>'; the key is the AppHost's secret parameter 'admin-api-key'."
                : "The Authorization header must be 'Bearer <admin key>' (one token, no spaces).");
    }

    // RFC 9110 section 15.5.4: credentials were sent, and they do not grant this; retrying with them will not help.
    private static ProblemHttpResult Forbidden() =>
        Problem.Of(StatusCodes.Status403Forbidden, SecurityProblemTypes.AdminKeyRejected,
            "The credential does not grant this.", "The bearer token is not the admin key.");

    private static partial class Log
    {
        // The method and path only: never the header, whose value may be a mistyped key.
        [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Admin request {Method} {Path} refused: credential {Credential}")]
        public static partial void AdminRequestRefused(ILogger logger, string method, string path, AdminCredential credential);
    }
}

public static class SecurityProblemTypes
{
    public const string AdminKeyRequired = ProblemTypes.BaseUri + "admin-key-required";
    public const string AdminKeyRejected = ProblemTypes.BaseUri + "admin-key-rejected";
}
