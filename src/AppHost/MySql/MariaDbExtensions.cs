using System.Diagnostics;
using System.Globalization;
using KafkaPractice.AppHost.Infrastructure;

namespace KafkaPractice.AppHost.MySql;

/// <summary>Local mode's MySQL: MariaDB as a process, the same resource shape as the container's.</summary>
public static class MariaDbExtensions
{
    /// <summary>
    /// Runs Debian's <c>mariadbd</c> on 127.0.0.1:<paramref name="port"/> with its data in
    /// <paramref name="stateDirectory"/>/mariadb. The data folder is initialised once; at every start an
    /// init file sets the root password (<paramref name="password"/>, or a generated secret parameter
    /// <c>{name}-password</c>) and creates the databases added with <c>AddDatabase</c>.
    /// </summary>
    public static IResourceBuilder<MariaDbServerResource> AddMariaDb(
        this IDistributedApplicationBuilder builder, string name, int port, string stateDirectory, IResourceBuilder<ParameterResource>? password = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var mariadbd = Executables.Require("mariadbd", "mariadb-server");
        var installDb = Executables.Require("mariadb-install-db", "mariadb-server");
        var passwordParameter = password?.Resource ?? builder.AddPasswordParameter(name);

        var dataDirectory = Path.Combine(stateDirectory, "mariadb");
        var runDirectory = Path.Combine(stateDirectory, "mariadb-run");
        var initFile = Path.Combine(runDirectory, "init.sql");
        // A server of its own for temporary files: every mariadbd deletes the #sql* files it finds in
        // its tmpdir when it starts, so with the shared /tmp another server starting (a second
        // AppHost, a test's server, the machine's own) could delete this one's tables mid-bootstrap.
        var tmpDirectory = Path.Combine(runDirectory, "tmp");
        var server = new MariaDbServerResource(name, mariadbd, dataDirectory, passwordParameter);

        var resource = builder.AddResource(server)
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithArgs(
                "--no-defaults",
                $"--datadir={dataDirectory}",
                $"--port={port.ToString(CultureInfo.InvariantCulture)}",
                "--bind-address=127.0.0.1",
                $"--socket={Path.Combine(runDirectory, "mysqld.sock")}",
                $"--pid-file={Path.Combine(runDirectory, "mysqld.pid")}",
                $"--tmpdir={tmpDirectory}",
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
            Directory.CreateDirectory(tmpDirectory);
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
                    "--auth-root-authentication-method=normal", "--skip-test-db", $"--tmpdir={tmpDirectory}"], logger, ct);
                await File.WriteAllTextAsync(initialised, DateTime.UtcNow.ToString("O"), ct);
            }
            var databases = builder.Resources.OfType<MySqlServerDatabaseResource>().Where(d => d.Parent == server).Select(d => d.DatabaseName);
            await File.WriteAllTextAsync(initFile, InitSql(await passwordParameter.GetValueAsync(ct) ?? "", databases), ct);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(initFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        });
        return resource;
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
