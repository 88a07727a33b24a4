using System.Data.Common;
using MySqlConnector;

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
        // A type set up front spares MySqlConnector inferring it from the value, a linear search
        // of its type table per parameter (a batch of 500 registrations has thousands of them).
        if (parameter is MySqlParameter typed && TypeOf(value) is { } type)
        {
            typed.MySqlDbType = type;
        }
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter.ParameterName;
    }

    private static MySqlDbType? TypeOf(object? value) => value switch
    {
        string => MySqlDbType.VarChar,
        long => MySqlDbType.Int64,
        int => MySqlDbType.Int32,
        DateTime => MySqlDbType.DateTime,
        _ => null,
    };

    /// <summary>One parameter per value, comma-separated, for <c>IN (...)</c>.</summary>
    public static string InList(DbCommand command, string prefix, IEnumerable<object> values) =>
        string.Join(", ", values.Select((v, i) => Parameter(command, $"{prefix}{i}", v)));
}
