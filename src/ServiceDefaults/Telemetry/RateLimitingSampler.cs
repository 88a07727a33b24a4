using OpenTelemetry.Trace;

namespace KafkaPractice.ServiceDefaults.Telemetry;

/// <summary>
/// Samples at most <c>tracesPerSecond</c> new traces a second (a token bucket that holds one
/// second's worth): every trace while the service is quiet, so the request a person makes is
/// always in the dashboard, and a steady trickle of them under load, when recording every one
/// would cost the services and the dashboard more CPU than the requests themselves. Used as the
/// root sampler of a <see cref="ParentBasedSampler"/>, so it decides only where a trace starts;
/// the rest of the trace follows that decision through the W3C <c>traceparent</c> flags.
/// </summary>
public sealed class RateLimitingSampler : Sampler
{
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _capacity;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _refilledAt;

    public RateLimitingSampler(double tracesPerSecond, TimeProvider? timeProvider = null)
    {
        if (!double.IsFinite(tracesPerSecond) || tracesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tracesPerSecond), tracesPerSecond, "The number of traces a second must be greater than 0.");
        }
        _time = timeProvider ?? TimeProvider.System;
        _perSecond = tracesPerSecond;
        _capacity = Math.Max(1, tracesPerSecond);
        _tokens = _capacity;
        _refilledAt = _time.GetTimestamp();
        Description = $"RateLimitingSampler{{{tracesPerSecond}/s}}";
    }

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + _time.GetElapsedTime(_refilledAt, now).TotalSeconds * _perSecond);
            _refilledAt = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return new SamplingResult(SamplingDecision.RecordAndSample);
            }
        }
        return new SamplingResult(SamplingDecision.Drop);
    }
}
