using System.Data.Common;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using MySqlConnector;

namespace KafkaPractice.Core.Data.Bulk;

/// <summary>
/// One mapped property of an entity as the hand-written batch statements use it: its column name
/// from the EF model, and how a value of it goes into a parameter (the model's value converter,
/// then a fixed parameter type).
/// </summary>
public sealed class BulkColumn
{
    private readonly Func<object?, object?>? _toProvider;
    private readonly MySqlDbType? _parameterType;

    internal BulkColumn(IProperty property, StoreObjectIdentifier table)
    {
        Property = property;
        Name = property.GetColumnName(table)
            ?? throw new InvalidOperationException($"{property.DeclaringType.DisplayName()}.{property.Name} has no column in {table.Name}.");
        QuotedName = Quote(Name);
        var converter = property.FindTypeMapping()?.Converter ?? property.GetValueConverter();
        _toProvider = converter?.ConvertToProvider;
        var providerType = Nullable.GetUnderlyingType(converter?.ProviderClrType ?? property.ClrType) ?? converter?.ProviderClrType ?? property.ClrType;
        if (providerType == typeof(Guid) && property.GetColumnType() is { } storeType && !storeType.StartsWith("char(36)", StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"{property.Name} is a GUID stored as {storeType}; the batch statements write GUIDs as char(36) text.");
        }
        // A type set up front spares MySqlConnector inferring it from the value, a linear search of
        // its type table per parameter (a batch of 500 registrations has thousands of them). A GUID
        // goes as it is: MySqlConnector writes it as its 36 characters straight into the statement
        // (the connection's GUID format is the one EF maps to char(36)), with no string in between.
        _parameterType = providerType == typeof(Guid) ? MySqlDbType.Guid : TypeOf(providerType);
    }

    public IProperty Property { get; }

    /// <summary>The column name as the model maps it.</summary>
    public string Name { get; }

    /// <summary>The column name quoted for MySQL (<c>`email_key`</c>).</summary>
    public string QuotedName { get; }

    /// <summary>
    /// Adds the next positional parameter (<c>?</c>), holding <paramref name="value"/> (a value of
    /// the property's CLR type): parameters go in the order of the statement's placeholders.
    /// </summary>
    public void AddParameter(DbCommand command, object? value) => command.Parameters.Add(CreateParameter(value));

    /// <summary>Adds the next positional parameter to one statement of a <see cref="DbBatch"/>.</summary>
    public void AddParameter(DbBatchCommand command, object? value) => command.Parameters.Add(CreateParameter(value));

    private MySqlParameter CreateParameter(object? value)
    {
        if (value is not null && _toProvider is not null)
        {
            value = _toProvider(value);
        }
        var parameter = new MySqlParameter();
        if (_parameterType is { } type)
        {
            parameter.MySqlDbType = type;
        }
        parameter.Value = value ?? DBNull.Value;
        return parameter;
    }

    /// <summary>Reads the property's value for <paramref name="entity"/>, compiled once.</summary>
    internal Func<TEntity, object?> CompileGetter<TEntity>()
    {
        var clrProperty = typeof(TEntity).GetProperty(Property.Name)
            ?? throw new InvalidOperationException($"{typeof(TEntity).Name} has no CLR property {Property.Name}.");
        var entity = Expression.Parameter(typeof(TEntity), "entity");
        return Expression.Lambda<Func<TEntity, object?>>(Expression.Convert(Expression.Property(entity, clrProperty), typeof(object)), entity).Compile();
    }

    /// <summary>Reads a char(36) GUID column, whichever way the driver hands it over.</summary>
    public static Guid ReadGuid(DbDataReader reader, int ordinal) =>
        reader.GetValue(ordinal) switch
        {
            Guid g => g,
            string s => Guid.Parse(s),
            byte[] b => new Guid(b),
            var other => throw new InvalidOperationException($"Unexpected GUID column type {other.GetType()}."),
        };

    internal static string Quote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

    private static MySqlDbType? TypeOf(Type type) =>
        type == typeof(string) ? MySqlDbType.VarChar
        : type == typeof(long) ? MySqlDbType.Int64
        : type == typeof(int) ? MySqlDbType.Int32
        : type == typeof(DateTime) ? MySqlDbType.DateTime
        : null;
}
