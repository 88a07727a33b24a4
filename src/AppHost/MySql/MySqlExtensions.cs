using System.Diagnostics;
using System.Globalization;
using KafkaPractice.AppHost.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace KafkaPractice.AppHost.MySql;

public static class MySqlExtensions
{
    public const string MySqlImage = "mysql";
    public const string MySqlTag = "8.4";

    /// <summary>
    /// Local mode: runs Debian's <c>mariadbd</c> on 127.0.0.1:<paramref name="port"/> with its data in
    /// <paramref name="stateDirectory"/>/mariadb. The data folder is initialised once; at every start an
    /// init file sets the root password from the secret parameter and creates the databases.
    /// </summary>
    public static IResourceBuilder<MariaDbServerResource> AddMariaDbServer(
        this IDistributedApplicationBuilder builder, string name, int port, string stateDirectory)
    {
        var mariadbd = Executables.Require("mariadbd", "mariadb-server");
        var installDb = Executables.Require("mariadb-install-db", "mariadb-server");
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        builder.AddResource(password);

        var dataDirectory = Path.Combine(stateDirectory, "mariadb");
        var runDirectory = Path.Combine(stateDirectory, "mariadb-run");
        var initFile = Path.Combine(runDirectory, "init.sql");
        var server = new MariaDbServerResource(name, mariadbd, dataDirectory, password);

        var resource = builder.AddResource(server)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithArgs(
                "--no-defaults",
                $"--datadir={dataDirectory}",
                $"--port={port.ToString(CultureInfo.InvariantCulture)}",
                "--bind-address=127.0.0.1",
                $"--socket={Path.Combine(runDirectory, "mysqld.sock")}",
                $"--pid-file={Path.Combine(runDirectory, "mysqld.pid")}",
                $"--init-file={initFile}",
                "--user=root",
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
                "--max-connections=500",
                "--local-infile=1")
            .WithIconName("Database")
            .WithMySqlHealthCheck();

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server, async (e, ct) =>
        {
            var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
            Directory.CreateDirectory(runDirectory);
            var initialised = Path.Combine(runDirectory, "datadir-initialised");
            if (!File.Exists(initialised))
            {
                if (Directory.Exists(dataDirectory))
                {
                    Directory.Delete(dataDirectory, recursive: true); // a first start that did not finish
                }
                AppHostLog.InitialisingDataFolder(logger, dataDirectory);
                Directory.CreateDirectory(dataDirectory);
                await RunAsync(installDb, ["--no-defaults", "--user=root", $"--datadir={dataDirectory}",
                    "--auth-root-authentication-method=normal", "--skip-test-db"], logger, ct);
                await File.WriteAllTextAsync(initialised, DateTime.UtcNow.ToString("O"), ct);
            }
            var databases = builder.Resources.OfType<MySqlDatabaseResource>().Where(d => d.Parent == server).Select(d => d.DatabaseName);
            await File.WriteAllTextAsync(initFile, InitSql(await password.GetValueAsync(ct) ?? "", databases), ct);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(initFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        });
        return resource;
    }

    /// <summary>Containers mode: <c>mysql:8.4</c>, with a data volume unless <paramref name="dataVolume"/> is false.</summary>
    public static IResourceBuilder<MySqlContainerResource> AddMySqlContainer(this IDistributedApplicationBuilder builder, string name, bool dataVolume = true)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        builder.AddResource(password);
        var mysql = builder.AddResource(new MySqlContainerResource(name, password))
            .WithImage(MySqlImage, MySqlTag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: 3306, name: "tcp", scheme: "tcp")
            .WithEnvironment("MYSQL_ROOT_PASSWORD", password)
            .WithLifetime(ContainerLifetime.Session)
            .WithMySqlHealthCheck();
        return dataVolume ? mysql.WithVolume("kafkapractice-mysql-data", "/var/lib/mysql") : mysql;
    }

    /// <summary>
    /// Adds a database; the server creates it at start (MariaDB: init file; mysql container:
    /// <c>MYSQL_DATABASE</c>). It reports Running once its server is ready.
    /// </summary>
    public static IResourceBuilder<MySqlDatabaseResource> AddDatabase<T>(this IResourceBuilder<T> server, string name)
        where T : IMySqlServerResource
    {
        var database = server.ApplicationBuilder.AddResource(new MySqlDatabaseResource(name, name, server.Resource))
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
            server.ApplicationBuilder.CreateResourceBuilder(container).WithEnvironment("MYSQL_DATABASE", name);
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

    private static IResourceBuilder<T> WithMySqlHealthCheck<T>(this IResourceBuilder<T> builder) where T : IMySqlServerResource
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

    internal static string InitSql(string password, IEnumerable<string> databases)
    {
        var quoted = password.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal);
        var lines = new List<string>
        {
            $"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{quoted}';",
            $"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{quoted}';",
            "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;",
            $"ALTER USER 'root'@'localhost' IDENTIFIED BY '{quoted}';",
        };
        lines.AddRange(databases.Select(db => $"CREATE DATABASE IF NOT EXISTS `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"));
        lines.Add("FLUSH PRIVILEGES;");
        return string.Join('\n', lines) + '\n';
    }

    private static async Task RunAsync(string file, string[] args, ILogger logger, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed with exit code {process.ExitCode}: {await stderr}{await stdout}");
        }
        AppHostLog.ToolFinished(logger, Path.GetFileName(file));
    }
}
