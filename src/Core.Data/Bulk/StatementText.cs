using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KafkaPractice.Core.Data.Bulk;

/// <summary>
/// The text of a statement whose length depends on how many rows or values it carries, built once
/// per count and kept: a batch pays for its parameters, not for writing SQL.
/// </summary>
internal sealed class StatementText(Func<int, string> build)
{
    private readonly ConcurrentDictionary<int, string> _byCount = new();

    public string For(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return _byCount.GetOrAdd(count, build);
    }

    /// <summary>A command on the context's connection, in its current transaction, with the text for <paramref name="count"/>.</summary>
    public DbCommand CreateCommand(DbContext db, int count)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = For(count);
        return command;
    }

    /// <summary>A statement added to <paramref name="batch"/> (which carries the transaction), with the text for <paramref name="count"/>.</summary>
    public DbBatchCommand AddCommand(DbBatch batch, int count)
    {
        var text = For(count);
        var command = batch.CreateBatchCommand();
        command.CommandText = text;
        batch.BatchCommands.Add(command);
        return command;
    }

    /// <summary>
    /// <paramref name="count"/> groups of <paramref name="width"/> placeholders: <c>(?, ?), (?, ?)</c>.
    /// The placeholders are positional: a statement's parameters are added without names, in the
    /// order their placeholders appear. Named ones (<c>@p0</c>) cost MySqlConnector a name string per
    /// parameter when it is added and two more per placeholder when the statement is written, plus a
    /// name-to-index dictionary per statement: a third of the worker's allocations in a drain
    /// (docs/performance.md, "Positional parameters").
    /// </summary>
    public static StringBuilder AppendRows(StringBuilder sql, int count, int width)
    {
        for (var row = 0; row < count; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            AppendList(sql, width).Append(')');
        }
        return sql;
    }

    /// <summary><paramref name="count"/> placeholders, comma-separated, for <c>IN (...)</c>.</summary>
    public static StringBuilder AppendList(StringBuilder sql, int count)
    {
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? "?" : ", ?");
        }
        return sql;
    }
}
