namespace KafkaPractice.AppHost.Security;

public static class AdminApiKeyExtensions
{
    public const string ParameterName = "admin-api-key";

    /// <summary>
    /// The key that <c>POST /campaigns</c> requires as <c>Authorization: Bearer</c>: a secret
    /// parameter generated on first run (32 letters and digits) and kept in the AppHost's user
    /// secrets (<c>Parameters:admin-api-key</c>); the dashboard shows it among the parameters.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddAdminApiKey(this IDistributedApplicationBuilder builder) =>
        builder.AddParameter(ParameterName, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true)
            .WithDescription("The admin key for POST /campaigns: send it as 'Authorization: Bearer <key>'.");

    /// <summary>Gives the API the admin key, as <c>Security:AdminApiKey</c>.</summary>
    public static IResourceBuilder<ProjectResource> WithAdminApiKey(this IResourceBuilder<ProjectResource> project, IResourceBuilder<ParameterResource> key) =>
        project.WithEnvironment("Security__AdminApiKey", key);
}
