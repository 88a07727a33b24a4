using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KafkaPractice.Core.Data.Bulk;

/// <summary>
/// An entity's table and columns read from an EF model: the runtime model of <see cref="AppDbContext"/>,
/// or the migrations' snapshot (entities found by CLR type name, so both work).
/// </summary>
public sealed class BulkTable
{
    private readonly Dictionary<string, BulkColumn> _columns;

    private BulkTable(IEntityType entityType)
    {
        EntityType = entityType;
        var table = StoreObjectIdentifier.Create(entityType, StoreObjectType.Table)
            ?? throw new InvalidOperationException($"{entityType.DisplayName()} is not mapped to a table.");
        Name = table.Name;
        QuotedName = BulkColumn.Quote(table.Name);
        _columns = entityType.GetProperties().ToDictionary(p => p.Name, p => new BulkColumn(p, table), StringComparer.Ordinal);
    }

    public static BulkTable Of<TEntity>(IModel model) =>
        new(model.FindEntityType(typeof(TEntity).FullName!)
            ?? throw new InvalidOperationException($"The model has no entity {typeof(TEntity).FullName}."));

    public IEntityType EntityType { get; }

    public string Name { get; }

    public string QuotedName { get; }

    /// <summary>The column of property <paramref name="propertyName"/> (pass <c>nameof(Entity.Property)</c>).</summary>
    public BulkColumn Column(string propertyName) =>
        _columns.TryGetValue(propertyName, out var column)
            ? column
            : throw new InvalidOperationException($"{EntityType.DisplayName()} has no mapped property {propertyName}.");

    /// <summary>
    /// The columns an INSERT names: every mapped property but the ones the server fills in
    /// (auto-increment ids), in the model's order.
    /// </summary>
    public IReadOnlyList<BulkColumn> InsertColumns() =>
        EntityType.GetProperties()
            .Where(p => p.GetValueGenerationStrategy() is not (MySqlValueGenerationStrategy.IdentityColumn or MySqlValueGenerationStrategy.ComputedColumn))
            .Select(p => _columns[p.Name])
            .ToList();
}
