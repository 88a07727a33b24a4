namespace KafkaPractice.AppHost.MySql;

/// <summary>
/// Containers mode's MySQL, with the names and parameters of Aspire.Hosting.MySql's
/// <c>AddMySql</c> / <c>WithDataVolume</c> (docs/integrations.md): on a machine with that package,
/// these calls compile against it unchanged.
/// </summary>
public static class MySqlContainerExtensions
{
    /// <summary>
    /// Adds the <c>mysql:8.4</c> container. <paramref name="password"/> is the root password (a
    /// generated secret parameter <c>{name}-password</c> when null); <paramref name="port"/> the host
    /// port (a free one when null).
    /// </summary>
    public static IResourceBuilder<MySqlContainerResource> AddMySql(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ParameterResource>? password = null, int? port = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var passwordParameter = password?.Resource ?? builder.AddPasswordParameter(name);
        return builder.AddResource(new MySqlContainerResource(name, passwordParameter))
            .WithImage(MySqlContainerImageTags.Image, MySqlContainerImageTags.Tag)
            .WithImageRegistry(MySqlContainerImageTags.Registry)
            .WithEndpoint(port: port, targetPort: 3306, name: "tcp", scheme: "tcp")
            .WithEnvironment("MYSQL_ROOT_PASSWORD", passwordParameter)
            .WithLifetime(ContainerLifetime.Session)
            .WithMySqlHealthCheck();
    }

    /// <summary>Keeps the server's data folder (<c>/var/lib/mysql</c>) in a named volume.</summary>
    public static IResourceBuilder<MySqlContainerResource> WithDataVolume(
        this IResourceBuilder<MySqlContainerResource> builder, string? name = null, bool isReadOnly = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithVolume(name ?? VolumeNameGenerator.Generate(builder, "data"), "/var/lib/mysql", isReadOnly);
    }
}
