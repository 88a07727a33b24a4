using MySqlConnector;

namespace KafkaPractice.Core.Data;

public static class MySqlErrors
{
    /// <summary>MySQL error 1062: duplicate entry for a unique key.</summary>
    public static bool IsDuplicateKey(this Exception exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry }
        || exception.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };
}
