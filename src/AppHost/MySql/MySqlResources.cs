namespace KafkaPractice.AppHost.MySql;

/// <summary>A MySQL-compatible server: MariaDB as a local process, or the mysql container.</summary>
public interface IMySqlServerResource : IResourceWithConnectionString
{
    EndpointReference PrimaryEndpoint { get; }
    ParameterResource PasswordParameter { get; }
}

/// <summary>Local mode's <c>mysql</c>: Debian's <c>mariadbd</c>, with its own data folder.</summary>
public sealed class MariaDbServerResource(string name, string command, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, command, dataDirectory), IMySqlServerResource
{
    public const string User = "root";

    public string DataDirectory { get; } = dataDirectory;
    public ParameterResource PasswordParameter { get; } = password;
    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Server=127.0.0.1;Port={PrimaryEndpoint.Property(EndpointProperty.Port)};User ID={User};Password={PasswordParameter}");
}

/// <summary>
/// Containers mode's <c>mysql</c>: the <c>mysql:8.4</c> image. Stands in for Aspire.Hosting.MySql's
/// <c>MySqlServerResource</c> (docs/integrations.md).
/// </summary>
public sealed class MySqlContainerResource(string name, ParameterResource password) : ContainerResource(name), IMySqlServerResource
{
    public const string User = "root";

    public ParameterResource PasswordParameter { get; } = password;
    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Server={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};User ID={User};Password={PasswordParameter}");
}

/// <summary>
/// A database on one of the servers above (<c>appdb</c>); services reference it for
/// <c>ConnectionStrings:appdb</c>. Stands in for Aspire.Hosting.MySql's <c>MySqlDatabaseResource</c>.
/// </summary>
public sealed class MySqlServerDatabaseResource(string name, string databaseName, IMySqlServerResource server)
    : Resource(name), IResourceWithParent<IMySqlServerResource>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;
    public IMySqlServerResource Parent { get; } = server;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Parent};Database={DatabaseName}");
}
