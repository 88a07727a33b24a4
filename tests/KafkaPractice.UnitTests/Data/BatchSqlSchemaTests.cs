using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Bulk;
using KafkaPractice.Core.Data.Coupons;
using KafkaPractice.Core.Data.Members;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using MySqlConnector;

namespace KafkaPractice.Tests.Data;

/// <summary>
/// The consumers' batch statements take their table and column names from the EF model, so they
/// cannot drift from the schema the migrations create.
/// </summary>
public sealed class BatchSqlSchemaTests
{
    private static DbContextOptions<TContext> Offline<TContext>() where TContext : DbContext =>
        new DbContextOptionsBuilder<TContext>().UseMySql(ServerVersion.Parse("10.11-mariadb")).Options;

    private static AppDbContext NewContext() => new(Offline<AppDbContext>());

    private static IModel SnapshotModel(AppDbContext db) =>
        db.GetService<IMigrationsAssembly>().ModelSnapshot?.Model
        ?? throw new InvalidOperationException("Core.Data has no migrations snapshot.");

    /// <summary>Every statement the consumers run, by name, for batches of 1 and 3.</summary>
    private static Dictionary<string, string> Statements(IModel model)
    {
        var members = new MemberBatchSql(model);
        var coupons = new CouponBatchSql(model);
        var texts = new Dictionary<string, string>();
        foreach (var n in new[] { 1, 3 })
        {
            texts[$"RecordedRegistrations/{n}"] = members.RecordedRegistrations.CommandText(n);
            texts[$"MembersByRegistrationOrEmail/{n}"] = members.MembersByRegistrationOrEmail.CommandText(n);
            texts[$"MemberIdsByRegistration/{n}"] = members.MemberIdsByRegistration.CommandText(n);
            texts[$"InsertMembers/{n}"] = members.InsertMembers.CommandText(n);
            texts[$"InsertOutcomes/{n}"] = members.InsertOutcomes.CommandText(n);
            texts[$"ExistingCampaigns/{n}"] = coupons.ExistingCampaigns.CommandText(n);
            texts[$"ExistingMembers/{n}"] = coupons.ExistingMembers.CommandText(n);
            texts[$"InsertCoupons/{n}"] = coupons.InsertIgnoringDuplicates.CommandText(n);
        }
        return texts;
    }

    [Fact]
    public void The_model_has_no_change_that_the_migrations_lack()
    {
        using var db = NewContext();
        Assert.False(db.Database.HasPendingModelChanges(), "AppDbContext's model differs from the migrations' snapshot: add a migration.");
    }

    [Fact]
    public void Statements_built_from_the_model_equal_those_built_from_the_migrations_snapshot()
    {
        using var db = NewContext();
        var fromModel = Statements(db.Model);
        var fromSnapshot = Statements(SnapshotModel(db));

        Assert.Equal(fromSnapshot.Keys, fromModel.Keys);
        foreach (var (name, text) in fromSnapshot)
        {
            Assert.Equal(text, fromModel[name]);
        }
    }

    [Fact]
    public void Inserts_name_every_column_but_the_generated_id_and_coupons_keep_the_row_already_there()
    {
        using var db = NewContext();
        var coupons = new CouponBatchSql(db.Model);
        var members = new MemberBatchSql(db.Model);

        Assert.Equal(
            "INSERT INTO `coupons` (`campaign_id`, `issued_at`, `member_id`, `requested_at`) VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON DUPLICATE KEY UPDATE `id` = `id`",
            coupons.InsertIgnoringDuplicates.CommandText(2));
        Assert.Equal(
            "SELECT `id`, `registration_id`, `email_key` FROM `members` WHERE `registration_id` IN (?, ?) OR `email_key` IN (?, ?)",
            members.MembersByRegistrationOrEmail.CommandText(2));
        // The registration id is the outcome's key, given by the client, so it is inserted.
        Assert.StartsWith("INSERT INTO `member_registrations` (`registration_id`, ", members.InsertOutcomes.CommandText(1));
        Assert.DoesNotContain("`id`", members.InsertMembers.CommandText(1));
    }

    [Fact]
    public void Renaming_a_column_or_a_table_in_the_model_changes_the_statements()
    {
        using var renamed = new RenamedContext(Offline<RenamedContext>());
        var members = new MemberBatchSql(renamed.Model);
        var coupons = new CouponBatchSql(renamed.Model);

        Assert.Contains("`email_lookup`", members.InsertMembers.CommandText(1));
        Assert.DoesNotContain("email_key", members.InsertMembers.CommandText(1));
        Assert.Contains("OR `email_lookup` IN (?)", members.MembersByRegistrationOrEmail.CommandText(1));
        Assert.StartsWith("INSERT INTO `issued_coupons` ", coupons.InsertIgnoringDuplicates.CommandText(1));
        Assert.Contains("`issued_coupons`", Statements(renamed.Model)["InsertCoupons/3"]);
    }

    [Fact]
    public void Statement_text_is_built_once_per_batch_length()
    {
        using var db = NewContext();
        var members = new MemberBatchSql(db.Model);

        Assert.Same(members.InsertMembers.CommandText(500), members.InsertMembers.CommandText(500));
        Assert.Same(members.RecordedRegistrations.CommandText(7), members.RecordedRegistrations.CommandText(7));
        Assert.Same(MemberBatchSql.For(db.Model), MemberBatchSql.For(db.Model));
        Assert.Throws<ArgumentOutOfRangeException>(() => members.InsertMembers.CommandText(0));
    }

    [Fact]
    public void Parameters_carry_values_as_the_model_stores_them_in_the_order_they_are_added()
    {
        using var db = NewContext();
        var outcomes = BulkTable.Of<MemberRegistration>(db.Model);
        using var command = new MySqlCommand();
        var id = Guid.NewGuid();

        outcomes.Column(nameof(MemberRegistration.Status)).AddParameter(command, RegistrationStatus.Rejected);
        outcomes.Column(nameof(MemberRegistration.RegistrationId)).AddParameter(command, id);
        outcomes.Column(nameof(MemberRegistration.MemberId)).AddParameter(command, null);

        // Positional: no names, the order of the placeholders.
        Assert.All(command.Parameters, p => Assert.Equal("", p.ParameterName));
        Assert.Equal("Rejected", command.Parameters[0].Value);
        Assert.Equal(MySqlDbType.VarChar, command.Parameters[0].MySqlDbType);
        // A GUID stays a GUID: MySqlConnector writes its 36 characters into the statement.
        Assert.Equal(id, command.Parameters[1].Value);
        Assert.Equal(MySqlDbType.Guid, command.Parameters[1].MySqlDbType);
        Assert.Equal(DBNull.Value, command.Parameters[2].Value);
        Assert.Throws<InvalidOperationException>(() => outcomes.Column("NoSuchProperty"));
    }

    private sealed class RenamedContext(DbContextOptions<RenamedContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            AppDbContext.ConfigureModel(modelBuilder);
            modelBuilder.Entity<Member>().Property(m => m.EmailKey).HasColumnName("email_lookup");
            modelBuilder.Entity<Coupon>().ToTable("issued_coupons");
        }
    }
}
