namespace KafkaPractice.Messaging;

/// <summary>
/// A message contract: a versioned JSON body (<see cref="VersionedJson"/>) whose name and version
/// also travel in the record headers (<see cref="MessageHeaders"/>).
/// </summary>
public interface IMessageContract
{
    static abstract string ContractName { get; }

    static abstract int ContractVersion { get; }

    byte[] ToUtf8Json();
}
