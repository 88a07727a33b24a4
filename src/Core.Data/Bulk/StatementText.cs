using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
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

    private static string[] _names = [];

    /// <summary>Parameter names <c>@p0</c>, <c>@p1</c>, ... shared by every statement.</summary>
    public static string ParameterName(int index)
    {
        var names = _names;
        if (index >= names.Length)
        {
            var grown = new string[Math.Max(index + 1, names.Length * 2)];
            for (var i = 0; i < grown.Length; i++)
            {
                grown[i] = i < names.Length ? names[i] : "@p" + i.ToString(CultureInfo.InvariantCulture);
            }
            _names = names = grown;
        }
        return names[index];
    }

    /// <summary><paramref name="count"/> groups of <paramref name="width"/> parameters: <c>(@p0, @p1), (@p2, @p3)</c>.</summary>
    public static StringBuilder AppendRows(StringBuilder sql, int count, int width, int firstIndex = 0)
    {
        for (var row = 0; row < count; row++)
        {
            sql.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < width; column++)
            {
                sql.Append(column == 0 ? "" : ", ").Append(ParameterName(firstIndex + row * width + column));
            }
            sql.Append(')');
        }
        return sql;
    }

    /// <summary><paramref name="count"/> parameters, comma-separated, for <c>IN (...)</c>.</summary>
    public static StringBuilder AppendList(StringBuilder sql, int count, int firstIndex)
    {
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(ParameterName(firstIndex + i));
        }
        return sql;
    }
}
