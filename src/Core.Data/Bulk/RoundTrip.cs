using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KafkaPractice.Core.Data.Bulk;

/// <summary>
/// Statements sent to MySQL together, as one <see cref="DbBatch"/>: one network round trip (and one
/// wait for the answer) instead of one per statement, in the context's current transaction. Put in
/// one batch the statements of a step that do not need each other's answers; read their results
/// back in the order they were added.
/// </summary>
public static class RoundTrip
{
    /// <summary>An empty batch on the context's connection, in its current transaction.</summary>
    public static DbBatch Create(DbContext db)
    {
        var batch = db.Database.GetDbConnection().CreateBatch();
        batch.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        return batch;
    }

    /// <summary>
    /// Reads every row of the reader's current result, then moves the reader to the next one.
    /// MySqlConnector's reader passes over the results of writes (they have no columns) by itself,
    /// so after a batch of an insert and a select the first result read is the select's
    /// (<c>BatchRoundTripTests</c> holds it to that).
    /// </summary>
    public static async Task<List<TRow>> ReadRowsAsync<TRow>(DbDataReader reader, Func<DbDataReader, TRow> read, CancellationToken cancellationToken)
    {
        var rows = new List<TRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }
        await reader.NextResultAsync(cancellationToken);
        return rows;
    }
}
