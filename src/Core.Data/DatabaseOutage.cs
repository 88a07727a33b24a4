using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KafkaPractice.Core.Data;

public static class DatabaseOutage
{
    /// <summary>
    /// True for the failures that mean "the database is not answering" (not a bug, not the
    /// caller giving up): the caller answers 503 or falls back.
    /// </summary>
    public static bool Is(Exception ex, CancellationToken callerToken) =>
        !callerToken.IsCancellationRequested
        && ex is OperationCanceledException or MySqlConnector.MySqlException or InvalidOperationException or TimeoutException
            or RetryLimitExceededException or DbUpdateException;
}
