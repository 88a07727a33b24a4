using System.Net;

namespace KafkaPractice.Kafka.Emulator;

/// <summary>
/// The control API stops brokers and drops their answers, and asks for no credential: it must be
/// reachable from this machine only. Every setting that can make Kestrel listen (urls,
/// http_ports/https_ports, Kestrel:Endpoints, from the command line, ASPNETCORE_/DOTNET_ variables
/// or appsettings) is checked before the server starts, and an address that is not a loopback
/// address is refused.
/// </summary>
public static class ControlApiBinding
{
    public static void ThrowIfNotLoopbackOnly(IConfiguration configuration)
    {
        foreach (var (setting, value) in ConfiguredAddresses(configuration))
        {
            if (!IsLoopback(value))
            {
                throw new InvalidOperationException(
                    $"The emulator's control API listens on the loopback interface only (it can stop brokers and takes no credential), " +
                    $"but {setting} is '{value}'. Use a loopback address such as http://127.0.0.1:9190.");
            }
        }
    }

    public static IEnumerable<(string Setting, string Value)> ConfiguredAddresses(IConfiguration configuration)
    {
        foreach (var url in Split(configuration["urls"]))
        {
            yield return ("urls", url);
        }
        // Ports alone mean every interface (http://*:port).
        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            foreach (var port in Split(configuration[key]))
            {
                yield return (key, $"*:{port}");
            }
        }
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            yield return ($"Kestrel:Endpoints:{endpoint.Key}:Url", endpoint["Url"] ?? "");
        }
    }

    /// <summary>Whether <paramref name="url"/> names only a loopback host: localhost, 127.0.0.0/8 or ::1.</summary>
    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return false; // "*", "+", "0.0.0.0" without a scheme, unix sockets: refused rather than guessed at
        }
        var host = uri.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private static string[] Split(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
