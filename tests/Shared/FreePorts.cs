using System.Net;
using System.Net.Sockets;

namespace KafkaPractice.Tests.Infrastructure;

/// <summary>Who asks for ports: each caller draws from a range of its own, so two of them never race for one port.</summary>
public enum PortPool
{
    /// <summary>The whole-system tests' AppHosts: 20,000-29,999.</summary>
    SystemTests,

    /// <summary>The bench's system under test: 30,000-30,999.</summary>
    Bench,

    /// <summary>The emulator tests' clusters: 31,000-32,699.</summary>
    EmulatorTests,
}

/// <summary>
/// Finds loopback ports no one listens on, for the tests and the bench (this file is linked into
/// each). The ranges lie apart from each other and below the kernel's ephemeral range (32,768 up),
/// because a port is chosen before the server that gets it binds it: in that window neither
/// another caller nor a client socket may take it. Each process starts at an offset of its own
/// within its range and walks on from there.
/// </summary>
public static class FreePorts
{
    private static readonly object Gate = new();
    private static readonly Dictionary<PortPool, int> Next = [];

    /// <summary>Returns the first of <paramref name="count"/> consecutive free ports of <paramref name="pool"/>.</summary>
    public static int Consecutive(int count, PortPool pool = PortPool.SystemTests)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var (first, last) = Range(pool);
        lock (Gate)
        {
            var size = last - first + 1;
            var next = Next.TryGetValue(pool, out var n) ? n : first + (Environment.ProcessId * 37 % size);
            for (var tried = 0; tried < size; tried += count)
            {
                if (next + count - 1 > last)
                {
                    next = first;
                }
                var candidate = next;
                next += count;
                if (Enumerable.Range(candidate, count).All(IsFree))
                {
                    Next[pool] = next;
                    return candidate;
                }
            }
            throw new InvalidOperationException($"No {count} consecutive free ports in {first}-{last}.");
        }
    }

    public static int One(PortPool pool = PortPool.SystemTests) => Consecutive(1, pool);

    private static (int First, int Last) Range(PortPool pool) => pool switch
    {
        PortPool.SystemTests => (20_000, 29_999),
        PortPool.Bench => (30_000, 30_999),
        PortPool.EmulatorTests => (31_000, 32_699),
        _ => throw new ArgumentOutOfRangeException(nameof(pool)),
    };

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
