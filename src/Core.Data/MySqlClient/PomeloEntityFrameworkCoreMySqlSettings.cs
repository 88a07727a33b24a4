namespace KafkaPractice.Core.Data.MySqlClient;

/// <summary>
/// Settings of <see cref="MySqlDbContextExtensions.AddMySqlDbContext{TContext}"/>, bound from
/// <c>Aspire:Pomelo:EntityFrameworkCore:MySql</c> (then its <c>{connectionName}</c> and
/// <c>{DbContext type name}</c> subsections); the same properties as the settings of
/// Aspire.Pomelo.EntityFrameworkCore.MySql, so configuration carries over unchanged.
/// </summary>
public sealed class PomeloEntityFrameworkCoreMySqlSettings
{
    /// <summary>The MySQL connection string; <c>ConnectionStrings:{connectionName}</c> wins over this key.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The server's version as Pomelo parses it (<c>8.4-mysql</c>, <c>10.11-mariadb</c>). When unset, the
    /// server is asked once, when the first context is configured.
    /// </summary>
    public string? ServerVersion { get; set; }

    /// <summary>Leaves out the execution strategy that retries transient errors.</summary>
    public bool DisableRetry { get; set; }

    /// <summary>Leaves out the DbContext health check (named after the context type).</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Leaves out MySqlConnector's OpenTelemetry traces.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>Leaves out MySqlConnector's and EF Core's OpenTelemetry metrics.</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>Seconds a command may run; the provider's default when unset.</summary>
    public int? CommandTimeout { get; set; }
}
