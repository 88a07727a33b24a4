using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KafkaPractice.Core.Data.Bulk;

/// <summary>
/// One multi-row <c>INSERT</c> of <typeparamref name="TEntity"/> rows (EF Core inserts row by row; a
/// batch wants one statement). Table, columns and the values' conversions come from the EF model;
/// the server-generated id is left out. With <c>ignoreDuplicates</c> a row that hits a unique key
/// is a no-op (<c>ON DUPLICATE KEY UPDATE id = id</c>): the row already there stays as it is.
/// </summary>
public sealed class BulkInsert<TEntity> where TEntity : class
{
    private readonly IReadOnlyList<BulkColumn> _columns;
    private readonly Func<TEntity, object?>[] _getters;
    private readonly StatementText _text;

    public BulkInsert(IModel model, bool ignoreDuplicates = false)
    {
        var table = BulkTable.Of<TEntity>(model);
        _columns = table.InsertColumns();
        _getters = [.. _columns.Select(c => c.CompileGetter<TEntity>())];
        var prefix = $"INSERT INTO {table.QuotedName} ({string.Join(", ", _columns.Select(c => c.QuotedName))}) VALUES ";
        var suffix = "";
        if (ignoreDuplicates)
        {
            var id = table.Column(table.EntityType.FindPrimaryKey()!.Properties.Single().Name).QuotedName;
            suffix = $" ON DUPLICATE KEY UPDATE {id} = {id}";
        }
        _text = new StatementText(rows => StatementText.AppendRows(new StringBuilder(prefix), rows, _columns.Count).Append(suffix).ToString());
    }

    /// <summary>The statement for <paramref name="rows"/> rows.</summary>
    public string CommandText(int rows) => _text.For(rows);

    /// <summary>
    /// Inserts <paramref name="rows"/> in the context's current transaction; returns MySQL's
    /// affected-row count (1 per inserted row, 0 per ignored duplicate).
    /// </summary>
    public async Task<int> ExecuteAsync(DbContext db, IReadOnlyList<TEntity> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }
        await using var command = _text.CreateCommand(db, rows.Count);
        ForEachParameter(rows, (column, value) => column.AddParameter(command, value));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds the insert of <paramref name="rows"/> (at least one) to <paramref name="batch"/>.</summary>
    public void AddTo(DbBatch batch, IReadOnlyList<TEntity> rows)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rows.Count, nameof(rows));
        var command = _text.AddCommand(batch, rows.Count);
        ForEachParameter(rows, (column, value) => column.AddParameter(command, value));
    }

    /// <summary>Every value in the order of the statement's placeholders: row by row, column by column.</summary>
    private void ForEachParameter(IReadOnlyList<TEntity> rows, Action<BulkColumn, object?> add)
    {
        foreach (var row in rows)
        {
            for (var c = 0; c < _columns.Count; c++)
            {
                add(_columns[c], _getters[c](row));
            }
        }
    }
}
