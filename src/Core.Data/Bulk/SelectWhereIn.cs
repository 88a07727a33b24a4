using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KafkaPractice.Core.Data.Bulk;

/// <summary>
/// <c>SELECT a, b FROM t WHERE x IN (...) [OR y IN (...)]</c> with names from the EF model: the
/// look-ups a batch makes before it writes. Each filter gets a list of the same length (pad a
/// shorter one by repeating a value), so one text per length serves every batch.
/// </summary>
public sealed class SelectWhereIn<TEntity> where TEntity : class
{
    private readonly BulkColumn[] _filters;
    private readonly StatementText _text;

    /// <param name="model">The EF model.</param>
    /// <param name="select">Properties to read, in reader order (<c>nameof(Entity.Property)</c>).</param>
    /// <param name="filters">Properties matched against the value lists, OR-ed.</param>
    public SelectWhereIn(IModel model, string[] select, params string[] filters)
    {
        ArgumentOutOfRangeException.ThrowIfZero(select.Length);
        ArgumentOutOfRangeException.ThrowIfZero(filters.Length);
        var table = BulkTable.Of<TEntity>(model);
        _filters = [.. filters.Select(table.Column)];
        var prefix = $"SELECT {string.Join(", ", select.Select(p => table.Column(p).QuotedName))} FROM {table.QuotedName} WHERE ";
        _text = new StatementText(count =>
        {
            var sql = new StringBuilder(prefix);
            for (var f = 0; f < _filters.Length; f++)
            {
                sql.Append(f == 0 ? "" : " OR ").Append(_filters[f].QuotedName).Append(" IN (");
                StatementText.AppendList(sql, count).Append(')');
            }
            return sql.ToString();
        });
    }

    /// <summary>The statement for lists of <paramref name="count"/> values.</summary>
    public string CommandText(int count) => _text.For(count);

    /// <summary>
    /// Runs the look-up in the context's current transaction, one list of values (of the filter
    /// property's CLR type) per filter, and maps each row with <paramref name="read"/>.
    /// </summary>
    public async Task<List<TRow>> ReadAsync<TRow>(
        DbContext db, IReadOnlyList<IReadOnlyList<object>> values, Func<DbDataReader, TRow> read, CancellationToken cancellationToken)
    {
        var count = CountOf(values);
        if (count == 0)
        {
            return [];
        }
        await using var command = _text.CreateCommand(db, count);
        ForEachParameter(values, count, (column, value) => column.AddParameter(command, value));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await RoundTrip.ReadRowsAsync(reader, read, cancellationToken);
    }

    /// <summary>
    /// Adds the look-up to <paramref name="batch"/> (see <see cref="ReadAsync"/> for the values);
    /// read its rows with <see cref="RoundTrip.ReadRowsAsync"/> once the batch runs. The lists must
    /// not be empty: a batch holds no statement for them, and the reads would go out of step.
    /// </summary>
    public void AddTo(DbBatch batch, IReadOnlyList<IReadOnlyList<object>> values)
    {
        var count = CountOf(values);
        ArgumentOutOfRangeException.ThrowIfZero(count, nameof(values));
        var command = _text.AddCommand(batch, count);
        ForEachParameter(values, count, (column, value) => column.AddParameter(command, value));
    }

    private int CountOf(IReadOnlyList<IReadOnlyList<object>> values)
    {
        if (values.Count != _filters.Length)
        {
            throw new ArgumentException($"Expected {_filters.Length} value list(s), got {values.Count}.", nameof(values));
        }
        var count = values[0].Count;
        if (values.Any(v => v.Count != count))
        {
            throw new ArgumentException("Every value list must have the same length.", nameof(values));
        }
        return count;
    }

    /// <summary>Every value in the order of the statement's placeholders: the first filter's list, then the next.</summary>
    private void ForEachParameter(IReadOnlyList<IReadOnlyList<object>> values, int count, Action<BulkColumn, object> add)
    {
        for (var f = 0; f < _filters.Length; f++)
        {
            for (var i = 0; i < count; i++)
            {
                add(_filters[f], values[f][i]);
            }
        }
    }
}
