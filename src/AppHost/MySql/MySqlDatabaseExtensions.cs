using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace KafkaPractice.AppHost.MySql;

public static class MySqlDatabaseExtensions
{
    /// <summary>
    /// Adds a database (<paramref name="databaseName"/>, or <paramref name="name"/> when null) that the
    /// server creates at start (MariaDB: its init file; mysql container: <c>MYSQL_DATABASE</c>). It
    /// reports Running once its server is ready.
    /// </summary>
    public static IResourceBuilder<MySqlServerDatabaseResource> AddDatabase<T>(this IResourceBuilder<T> server, string name, string? databaseName = null)
        where T : IMySqlServerResource
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentException.ThrowIfNullOrEmpty(name);
        databaseName ??= name;
        var database = server.ApplicationBuilder.AddResource(new MySqlServerDatabaseResource(name, databaseName, server.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "MySqlDatabase",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            .WithParentRelationship(server.Resource)
            .WithIconName("DatabaseStack");

        if (server.Resource is MySqlContainerResource container)
        {
            if (server.ApplicationBuilder.Resources.OfType<MySqlServerDatabaseResource>().Count(d => d.Parent == container) > 1)
            {
                throw new InvalidOperationException($"The mysql container creates one database ({nameof(AddDatabase)} once per container).");
            }
            server.ApplicationBuilder.CreateResourceBuilder(container).WithEnvironment("MYSQL_DATABASE", databaseName);
        }

        server.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, async (e, ct) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.PublishUpdateAsync(database.Resource, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });
        return database;
    }

    internal static ParameterResource AddPasswordParameter(this IDistributedApplicationBuilder builder, string serverName)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{serverName}-password", special: false);
        builder.AddResource(password);
        return password;
    }

    internal static IResourceBuilder<T> WithMySqlHealthCheck<T>(this IResourceBuilder<T> builder) where T : IMySqlServerResource
    {
        var key = $"{builder.Resource.Name}-check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new MySqlPingHealthCheck(builder.Resource), null, null));
        return builder.WithHealthCheck(key);
    }

    private sealed class MySqlPingHealthCheck(IMySqlServerResource server) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await server.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await using var connection = new MySqlConnection(connectionString + ";Connection Timeout=3;Pooling=false");
                await connection.OpenAsync(cancellationToken);
                await using var command = new MySqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is MySqlException or InvalidOperationException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("The MySQL server did not answer.", ex);
            }
        }
    }
}
