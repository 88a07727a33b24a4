using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.MySqlClient;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Tests.Data;

/// <summary>
/// <c>AddMySqlDbContext</c> reads the keys of Aspire.Pomelo.EntityFrameworkCore.MySql in its order,
/// so configuration written for the package works with ours and the other way round.
/// </summary>
public sealed class MySqlDbContextRegistrationTests
{
    private const string Section = "Aspire:Pomelo:EntityFrameworkCore:MySql";
    private const string ConnectionString = "Server=127.0.0.1;Port=1;User ID=root;Password=x;Database=appdb";

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    [Fact]
    public void Settings_come_from_the_section_then_the_connection_then_the_context_then_the_callback()
    {
        var builder = Builder(new()
        {
            [$"{Section}:ServerVersion"] = "8.0-mysql",
            [$"{Section}:CommandTimeout"] = "10",
            [$"{Section}:DisableTracing"] = "true",
            [$"{Section}:ConnectionString"] = "Server=ignored",
            [$"{Section}:appdb:CommandTimeout"] = "20",
            [$"{Section}:appdb:DisableMetrics"] = "true",
            [$"{Section}:AppDbContext:ServerVersion"] = "10.11-mariadb",
            ["ConnectionStrings:appdb"] = ConnectionString,
        });
        PomeloEntityFrameworkCoreMySqlSettings? seen = null;

        builder.AddMySqlDbContext<AppDbContext>("appdb", s =>
        {
            seen = new() { ServerVersion = s.ServerVersion, CommandTimeout = s.CommandTimeout, DisableTracing = s.DisableTracing, DisableMetrics = s.DisableMetrics, ConnectionString = s.ConnectionString };
            s.CommandTimeout = 30;
        });

        Assert.NotNull(seen);
        Assert.Equal("10.11-mariadb", seen.ServerVersion);
        Assert.Equal(20, seen.CommandTimeout);
        Assert.True(seen.DisableTracing);
        Assert.True(seen.DisableMetrics);
        Assert.Equal(ConnectionString, seen.ConnectionString);

        using var host = builder.Build();
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Equal(30, db.Database.GetCommandTimeout());
        Assert.StartsWith(ConnectionString, db.Database.GetConnectionString());
    }

    [Fact]
    public void The_context_gets_a_retrying_strategy_and_a_health_check_named_after_it_unless_disabled()
    {
        var builder = Builder(new() { ["ConnectionStrings:appdb"] = ConnectionString, [$"{Section}:ServerVersion"] = "10.11-mariadb" });
        builder.AddMySqlDbContext<AppDbContext>("appdb");
        using (var host = builder.Build())
        {
            using var scope = host.Services.CreateScope();
            Assert.True(scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.CreateExecutionStrategy().RetriesOnFailure);
            Assert.Contains(host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == nameof(AppDbContext));
        }

        var disabled = Builder(new()
        {
            ["ConnectionStrings:appdb"] = ConnectionString,
            [$"{Section}:ServerVersion"] = "10.11-mariadb",
            [$"{Section}:DisableHealthChecks"] = "true",
            [$"{Section}:DisableRetry"] = "true",
        });
        disabled.AddMySqlDbContext<AppDbContext>("appdb");
        using (var host = disabled.Build())
        {
            using var scope = host.Services.CreateScope();
            Assert.False(scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.CreateExecutionStrategy().RetriesOnFailure);
            Assert.DoesNotContain(host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == nameof(AppDbContext));
        }
    }

    [Fact]
    public void The_project_rule_keeps_retrying_even_where_the_integration_default_is_disabled()
    {
        var builder = Builder(new()
        {
            ["ConnectionStrings:appdb"] = ConnectionString,
            [$"{Section}:ServerVersion"] = "10.11-mariadb",
            [$"{Section}:DisableRetry"] = "true",
        });
        builder.AddMySqlDbContext<AppDbContext>(AppDatabase.ConnectionName, configureDbContextOptions: AppDatabase.ConfigureDbContext);
        using var host = builder.Build();
        using var scope = host.Services.CreateScope();

        Assert.True(scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.CreateExecutionStrategy().RetriesOnFailure);
    }

    [Fact]
    public void A_missing_connection_string_is_named_when_the_context_is_first_used()
    {
        var builder = Builder(new() { [$"{Section}:ServerVersion"] = "10.11-mariadb" });
        builder.AddMySqlDbContext<AppDbContext>("appdb");
        using var host = builder.Build();
        using var scope = host.Services.CreateScope();

        var error = Assert.Throws<InvalidOperationException>(() => scope.ServiceProvider.GetRequiredService<AppDbContext>());
        Assert.Contains("ConnectionStrings:appdb", error.Message);
    }
}
