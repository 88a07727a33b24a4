using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.Core.Data.Members;
using Microsoft.EntityFrameworkCore;

namespace KafkaPractice.Core.Data;

public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
{
    public DbSet<Member> Members => Set<Member>();
    public DbSet<MemberRegistration> MemberRegistrations => Set<MemberRegistration>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<Coupon> Coupons => Set<Coupon>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => ConfigureModel(modelBuilder);

    /// <summary>The mapping, public so that a test can build a variant of it (e.g. a renamed column).</summary>
    public static void ConfigureModel(ModelBuilder modelBuilder)
    {
        // utf8mb4 with the Unicode collation exists on both MySQL 8.4 and MariaDB 10.11
        // (MySQL 8's default utf8mb4_0900_ai_ci does not exist on MariaDB).
        modelBuilder.HasCharSet("utf8mb4").UseCollation("utf8mb4_unicode_ci");

        modelBuilder.Entity<Member>(e =>
        {
            e.ToTable("members");
            e.HasKey(m => m.Id);
            e.Property(m => m.Id).HasColumnName("id");
            e.Property(m => m.Name).HasColumnName("name").HasMaxLength(50).IsRequired();
            e.Property(m => m.Email).HasColumnName("email").HasMaxLength(254).IsRequired();
            e.Property(m => m.EmailKey).HasColumnName("email_key").HasMaxLength(254).IsRequired()
                .UseCollation("utf8mb4_bin");
            e.Property(m => m.PhoneNumber).HasColumnName("phone_number").HasMaxLength(32).IsRequired();
            e.Property(m => m.RegistrationId).HasColumnName("registration_id");
            e.Property(m => m.RegisteredAt).HasColumnName("registered_at").HasPrecision(6);
            e.HasIndex(m => m.EmailKey).IsUnique().HasDatabaseName("ux_members_email_key");
            e.HasIndex(m => m.RegistrationId).IsUnique().HasDatabaseName("ux_members_registration_id");
        });

        modelBuilder.Entity<MemberRegistration>(e =>
        {
            e.ToTable("member_registrations");
            e.HasKey(r => r.RegistrationId);
            e.Property(r => r.RegistrationId).HasColumnName("registration_id");
            e.Property(r => r.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.MemberId).HasColumnName("member_id");
            e.Property(r => r.Reason).HasColumnName("reason").HasMaxLength(64);
            e.Property(r => r.AcceptedAt).HasColumnName("accepted_at").HasPrecision(6);
            e.Property(r => r.CompletedAt).HasColumnName("completed_at").HasPrecision(6);
        });

        modelBuilder.Entity<Campaign>(e =>
        {
            e.ToTable("campaigns");
            e.HasKey(c => c.Id);
            e.Property(c => c.Id).HasColumnName("id").HasMaxLength(64).UseCollation("utf8mb4_bin");
            e.Property(c => c.Name).HasColumnName("name").HasMaxLength(50).IsRequired();
            e.Property(c => c.Stock).HasColumnName("stock");
            e.Property(c => c.CreatedAt).HasColumnName("created_at").HasPrecision(6);
        });

        modelBuilder.Entity<Coupon>(e =>
        {
            e.ToTable("coupons");
            e.HasKey(c => c.Id);
            e.Property(c => c.Id).HasColumnName("id");
            e.Property(c => c.CampaignId).HasColumnName("campaign_id").HasMaxLength(64).UseCollation("utf8mb4_bin");
            e.Property(c => c.MemberId).HasColumnName("member_id");
            e.Property(c => c.RequestedAt).HasColumnName("requested_at").HasPrecision(6);
            e.Property(c => c.IssuedAt).HasColumnName("issued_at").HasPrecision(6);
            e.HasIndex(c => new { c.CampaignId, c.MemberId }).IsUnique().HasDatabaseName("ux_coupons_campaign_member");
            e.HasOne<Campaign>().WithMany().HasForeignKey(c => c.CampaignId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Member>().WithMany().HasForeignKey(c => c.MemberId).OnDelete(DeleteBehavior.Restrict);
        });
    }
}
