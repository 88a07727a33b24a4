using System.Text.RegularExpressions;

namespace KafkaPractice.ServiceDefaults.Telemetry;

/// <summary>
/// Removes what may be personal data from a text bound for a log at Information or above.
/// Exception messages are the usual way in: a unique-key violation quotes the duplicate value
/// ("Duplicate entry 'ada@example.com' for key 'ix_members_email_key'").
/// </summary>
public static partial class PiiRedaction
{
    public static string Redact(string text)
    {
        var redacted = DuplicateEntry().Replace(text, "Duplicate entry '[redacted]' for key");
        return Email().Replace(redacted, "[email]");
    }

    /// <summary>The innermost message of an exception chain, redacted, with the exception's type.</summary>
    public static string Describe(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }
        return $"{innermost.GetType().Name}: {Redact(innermost.Message)}";
    }

    [GeneratedRegex(@"Duplicate entry '.*?' for key", RegexOptions.CultureInvariant)]
    private static partial Regex DuplicateEntry();

    [GeneratedRegex(@"[^\s'""<>()\[\],;:]+@[^\s'""<>()\[\],;:]+\.[^\s'""<>()\[\],;:]+", RegexOptions.CultureInvariant)]
    private static partial Regex Email();
}
