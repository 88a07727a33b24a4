using Microsoft.Extensions.Hosting;

namespace KafkaPractice.Tests.Coupons;

/// <summary>A host lifetime that never stops, for API services built by hand in a test.</summary>
internal sealed class NeverStopping : IHostApplicationLifetime
{
    public CancellationToken ApplicationStarted => CancellationToken.None;
    public CancellationToken ApplicationStopping => CancellationToken.None;
    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication()
    {
    }
}
