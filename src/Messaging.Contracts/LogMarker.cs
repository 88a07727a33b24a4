namespace KafkaPractice.Messaging;

/// <summary>
/// A record with no business content that a producer writes to learn where a partition's log
/// stands: once it is acknowledged (acks=all), every record the leader took before it on that
/// partition is replicated too, so once a consumer group has committed past it, each such record
/// has been processed or never will be (it was truncated away). Consumers skip it, and commit
/// past it like any other record. Its key is the key of the records it follows (same partition).
/// </summary>
/// <param name="Purpose">Who wrote it and why, for a reader of the log.</param>
public sealed record LogMarker(string Purpose) : IMessageContract
{
    public const string TypeName = nameof(LogMarker);
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    static string IMessageContract.ContractName => TypeName;

    static int IMessageContract.ContractVersion => CurrentVersion;

    public byte[] ToUtf8Json() => VersionedJson.Write(this);
}
