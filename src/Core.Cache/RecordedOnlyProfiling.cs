using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace KafkaPractice.Core.Cache;

/// <summary>
/// The Redis connection as the OpenTelemetry Redis instrumentation sees it: the same connection,
/// except that the profiler it registers records only the commands of a request whose trace is
/// recorded. The instrumentation's own profiler records every command under any activity, keeps
/// each one (and the activity) until its next flush, and then drops the commands of unsampled
/// requests, which are nearly all of them under load: a second of requests' objects promoted on
/// every collection. A command with no activity at all is still recorded, as before.
/// </summary>
/// <remarks>
/// Only the instrumentation holds this proxy; the services use the connection itself, so the
/// reflection that forwards a call costs nothing on the request path.
/// </remarks>
public class RecordedOnlyProfiling : DispatchProxy
{
    private IConnectionMultiplexer _connection = null!;

    /// <summary><paramref name="connection"/>, with <see cref="IConnectionMultiplexer.RegisterProfiler"/> narrowed to recorded traces.</summary>
    public static IConnectionMultiplexer Wrap(IConnectionMultiplexer connection)
    {
        var proxy = Create<IConnectionMultiplexer, RecordedOnlyProfiling>();
        ((RecordedOnlyProfiling)(object)proxy)._connection = connection;
        return proxy;
    }

    /// <summary>A profiling session from <paramref name="sessions"/> unless the current activity is left out of its trace.</summary>
    public static Func<ProfilingSession?> ForRecordedTraces(Func<ProfilingSession?> sessions) =>
        () => Activity.Current is { Recorded: false } ? null : sessions();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == nameof(IConnectionMultiplexer.RegisterProfiler) && args is [Func<ProfilingSession?> sessions])
        {
            _connection.RegisterProfiler(ForRecordedTraces(sessions));
            return null;
        }
        try
        {
            return targetMethod.Invoke(_connection, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
