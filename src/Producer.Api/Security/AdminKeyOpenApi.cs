using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KafkaPractice.Producer.Api.Security;

/// <summary>
/// Describes the admin key in the OpenAPI document: an HTTP bearer scheme in the components, and a
/// security requirement on each operation that needs it, so the API page offers to send it.
/// </summary>
public static class AdminKeyOpenApi
{
    public const string SchemeName = "adminKey";

    public static OpenApiOptions AddAdminKeySecurityScheme(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The admin key: the AppHost's secret parameter 'admin-api-key' (user secrets, or the dashboard's Parameters). " +
                              "Send it as 'Authorization: Bearer <key>'.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<AdminKeyRequiredMetadata>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [],
                });
            }
            return Task.CompletedTask;
        });
        return options;
    }
}
