namespace KafkaPractice.Messaging;

/// <summary>A record that can never be processed, whatever is retried: it belongs in the dead-letter topic.</summary>
public sealed class InvalidMessageException : Exception
{
    public InvalidMessageException() { }
    public InvalidMessageException(string message) : base(message) { }
    public InvalidMessageException(string message, Exception innerException) : base(message, innerException) { }
}
