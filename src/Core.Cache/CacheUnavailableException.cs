using StackExchange.Redis;

namespace KafkaPractice.Core.Cache;

/// <summary>Redis did not answer (down, timed out, or refused): the caller decides whether it can do without.</summary>
public sealed class CacheUnavailableException : Exception
{
    public CacheUnavailableException() { }
    public CacheUnavailableException(string message) : base(message) { }
    public CacheUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    public static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    internal static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw new CacheUnavailableException("Redis is unavailable: " + ex.Message, ex);
        }
    }
}
