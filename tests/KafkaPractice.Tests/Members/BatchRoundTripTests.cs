using KafkaPractice.Core.Data;
using KafkaPractice.Core.Data.Bulk;
using KafkaPractice.Core.Data.Members;
using KafkaPractice.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace KafkaPractice.Tests.Members;

/// <summary>
/// The worker's batch statements sent several to a round trip (<see cref="RoundTrip"/>), against
/// the real MariaDB: each result read in the order its statement was added, a write's result passed
/// over, and a failing write stopping the statements after it. Every test rolls back what it wrote.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class BatchRoundTripTests(AppHostFixture fixture)
{
    [Fact]
    public async Task An_insert_and_the_read_back_of_its_ids_in_one_round_trip_see_the_new_rows()
    {
        await using var db = await OpenAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var sql = MemberBatchSql.For(db.Model);
        var rows = new[] { NewMember("a"), NewMember("b"), NewMember("c") };

        await using var batch = RoundTrip.Create(db);
        sql.InsertMembers.AddTo(batch, rows);
        sql.MemberIdsByRegistration.AddTo(batch, [rows.Select(r => (object)r.RegistrationId).ToList()]);
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            var ids = await RoundTrip.ReadRowsAsync(reader, r => (Registration: BulkColumn.ReadGuid(r, 0), Id: r.GetInt64(1)), default);
            Assert.Equal(rows.Select(r => r.RegistrationId).Order(), ids.Select(i => i.Registration).Order());
            Assert.Equal(3, ids.Select(i => i.Id).Distinct().Count());
            Assert.False(await reader.NextResultAsync(), "The batch has a result beyond its two statements.");
        }

        // The same ids as a statement of its own would read.
        var alone = await sql.MemberIdsByRegistration.ReadAsync(db, [rows.Select(r => (object)r.RegistrationId).ToList()], r => r.GetInt64(1), default);
        Assert.Equal(3, alone.Count);
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task Two_look_ups_in_one_round_trip_are_read_in_the_order_they_were_added()
    {
        await using var db = await OpenAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var sql = MemberBatchSql.For(db.Model);
        var member = NewMember("lookup");
        await sql.InsertMembers.ExecuteAsync(db, [member], default);
        var unknown = Guid.NewGuid();

        await using var batch = RoundTrip.Create(db);
        // First a look-up that finds nothing, then one that finds the member by its email key alone.
        sql.RecordedRegistrations.AddTo(batch, [[member.RegistrationId, unknown]]);
        sql.MembersByRegistrationOrEmail.AddTo(batch, [[unknown], [member.EmailKey]]);
        await using var reader = await batch.ExecuteReaderAsync();
        var recorded = await RoundTrip.ReadRowsAsync(reader, r => BulkColumn.ReadGuid(r, 0), default);
        var found = await RoundTrip.ReadRowsAsync(reader, r => (Registration: BulkColumn.ReadGuid(r, 1), EmailKey: r.GetString(2)), default);

        Assert.Empty(recorded);
        Assert.Equal([(member.RegistrationId, member.EmailKey)], found);
    }

    [Fact]
    public async Task A_write_that_fails_in_a_round_trip_throws_and_the_statements_after_it_do_not_run()
    {
        await using var db = await OpenAsync();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var sql = MemberBatchSql.For(db.Model);
        var first = NewMember("dup");
        await sql.InsertMembers.ExecuteAsync(db, [first], default);
        // Another registration for the same email key: the unique key refuses the insert.
        var second = NewMember("dup-2");
        second.EmailKey = first.EmailKey;
        var third = NewMember("after");

        await using (var batch = RoundTrip.Create(db))
        {
            sql.InsertMembers.AddTo(batch, [second]);
            sql.InsertMembers.AddTo(batch, [third]);
            var refused = await Assert.ThrowsAsync<MySqlException>(async () =>
            {
                await using var reader = await batch.ExecuteReaderAsync();
                while (await reader.NextResultAsync())
                {
                }
            });
            Assert.Equal(MySqlErrorCode.DuplicateKeyEntry, refused.ErrorCode);
        }

        var present = await sql.MemberIdsByRegistration.ReadAsync(db, [[first.RegistrationId, second.RegistrationId, third.RegistrationId]], r => BulkColumn.ReadGuid(r, 0), default);
        Assert.Equal([first.RegistrationId], present);
    }

    [Fact]
    public void A_look_up_with_no_values_is_refused_rather_than_leaving_the_reads_out_of_step()
    {
        using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseMySql(ServerVersion.Parse("10.11-mariadb")).Options);
        using var batch = new MySqlBatch();
        var sql = MemberBatchSql.For(db.Model);
        Assert.Throws<ArgumentOutOfRangeException>(() => sql.RecordedRegistrations.AddTo(batch, [[]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => sql.InsertMembers.AddTo(batch, []));
        Assert.Empty(batch.BatchCommands);
    }

    private async Task<AppDbContext> OpenAsync()
    {
        var connectionString = await fixture.GetConnectionStringAsync("appdb");
        var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>()
            .UseMySql(connectionString, ServerVersion.AutoDetect(connectionString))
            .Options);
        await db.Database.OpenConnectionAsync();
        return db;
    }

    private static Member NewMember(string tag)
    {
        var key = $"roundtrip-{tag}-{Guid.NewGuid():N}@example.com";
        return new Member
        {
            Name = "Round Trip",
            Email = key,
            EmailKey = key,
            PhoneNumber = "+82 10-1234-5678",
            RegistrationId = Guid.NewGuid(),
            RegisteredAt = DateTime.UtcNow,
        };
    }
}
