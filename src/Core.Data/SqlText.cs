using System.Data.Common;

namespace KafkaPractice.Core.Data;

/// <summary>
/// Small helpers for the hand-written multi-row statements the consumers run inside one
/// transaction (EF Core inserts row by row; a batch wants one statement).
/// </summary>
public static class SqlText
{
    public static DbCommand Command(DbConnection connection, DbTransaction transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds a parameter and returns its name, to append to the statement text.</summary>
    public static string Parameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }

    /// <summary>One parameter per value, comma-separated, for <c>IN (...)</c>.</summary>
    public static string InList(DbCommand command, string prefix, IEnumerable<object> values) =>
        string.Join(", ", values.Select((v, i) => Parameter(command, $"{prefix}{i}", v)));
}
