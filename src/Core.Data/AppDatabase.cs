using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace KafkaPractice.Core.Data;

/// <summary>
/// What the services pass to <c>AddMySqlDbContext&lt;AppDbContext&gt;</c>: the connection name and the
/// project's rules on top of the integration's defaults.
/// </summary>
public static class AppDatabase
{
    /// <summary>The AppHost's database resource; its connection string is <c>ConnectionStrings:appdb</c>.</summary>
    public const string ConnectionName = "appdb";

    /// <summary>
    /// Retries transient errors with waits capped at 5 s (the provider's default cap is 30 s), so a
    /// consumer whose batch met a MySQL restart writes again within seconds of the server's return.
    /// </summary>
    public static void ConfigureDbContext(DbContextOptionsBuilder options) =>
        new MySqlDbContextOptionsBuilder(options).EnableRetryOnFailure(
            maxRetryCount: 6, maxRetryDelay: TimeSpan.FromSeconds(5), errorNumbersToAdd: null);
}
