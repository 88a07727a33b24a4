namespace KafkaPractice.Tests.Infrastructure;

/// <summary>
/// Waits for something the system brings about asynchronously (a consumer's write, a cache entry,
/// a fault taking effect), failing the test with <c>failure</c> if it does not hold within the bound.
/// </summary>
internal static class Poll
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    public static Task UntilAsync(Func<bool> condition, string failure, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), failure, timeout, interval);

    public static async Task UntilAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(interval ?? DefaultInterval);
        }
    }
}
