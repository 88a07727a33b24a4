using System.Diagnostics;
using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Coupons;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Data.Migrator;

public sealed class SeedOptions
{
    public const string SectionName = "Coupons";

    /// <summary>Stock of the campaign <c>default</c> that the seed endpoint <c>POST /coupons/{memberId}</c> uses.</summary>
    public int DefaultCampaignStock { get; set; } = 100;
}

internal sealed partial class MigrationRunner(
    IServiceProvider services,
    IOptions<SeedOptions> seed,
    IHostApplicationLifetime lifetime,
    ILogger<MigrationRunner> logger) : BackgroundService
{
    private static readonly ActivitySource Source = new("KafkaPractice.Data.Migrator");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = Source.StartActivity("Migrate database");
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

            var pending = (await db.Database.GetPendingMigrationsAsync(stoppingToken)).ToList();
            LogPending(pending.Count, pending);
            // The execution strategy retries transient errors (server still starting, connection reset).
            await db.Database.CreateExecutionStrategy().ExecuteAsync(() => db.Database.MigrateAsync(stoppingToken));

            await EnsureDefaultCampaignAsync(db, stoppingToken);
            LogDone();
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogFailed(ex);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task EnsureDefaultCampaignAsync(AppDbContext db, CancellationToken ct)
    {
        var stock = seed.Value.DefaultCampaignStock;
        if (stock is < 1 or > 1_000_000)
        {
            throw new InvalidOperationException($"Coupons:DefaultCampaignStock is {stock}; it must be between 1 and 1,000,000.");
        }
        if (await db.Campaigns.AnyAsync(c => c.Id == Campaign.DefaultId, ct))
        {
            return;
        }
        db.Campaigns.Add(new Campaign { Id = Campaign.DefaultId, Name = "Default campaign", Stock = stock, CreatedAt = DateTime.UtcNow });
        try
        {
            await db.SaveChangesAsync(ct);
            LogCampaignCreated(Campaign.DefaultId, stock);
        }
        catch (DbUpdateException ex) when (ex.IsDuplicateKey())
        {
            // Created by a concurrent run in the meantime: nothing to do.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} pending migration(s): {Migrations}")]
    private partial void LogPending(int count, IReadOnlyList<string> migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private partial void LogDone();

    [LoggerMessage(Level = LogLevel.Information, Message = "Created campaign {CampaignId} with stock {Stock}")]
    private partial void LogCampaignCreated(string campaignId, int stock);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Database migration failed")]
    private partial void LogFailed(Exception exception);
}
