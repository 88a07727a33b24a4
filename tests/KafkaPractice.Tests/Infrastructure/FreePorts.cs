using System.Net;
using System.Net.Sockets;

namespace KafkaPractice.Tests.Infrastructure;

/// <summary>Finds loopback ports no one listens on, so tests never clash with a running dev instance.</summary>
public static class FreePorts
{
    private static readonly object Gate = new();
    private static int _next = 20000 + (Environment.ProcessId % 200) * 50;

    /// <summary>Returns the first of <paramref name="count"/> consecutive free ports.</summary>
    public static int Consecutive(int count)
    {
        lock (Gate)
        {
            while (true)
            {
                var first = _next;
                _next += count;
                if (_next > 60000)
                {
                    _next = 20000;
                }
                if (Enumerable.Range(first, count).All(IsFree))
                {
                    return first;
                }
            }
        }
    }

    public static int One() => Consecutive(1);

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
