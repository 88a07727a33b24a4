using System.Text.Json.Serialization;

namespace KafkaPractice.Messaging.Members;

/// <summary>
/// Value of a <c>create_member</c> record: a registration the API accepted. The key of the
/// record is <see cref="EmailKey"/> (the lower-cased email), so every registration for one
/// address lands on one partition, in order, and the first one wins.
/// </summary>
/// <remarks>
/// Versioned: <see cref="Version"/> is in the body (and the <c>message-version</c> header).
/// A consumer refuses a version it does not know (the record goes to the dead-letter topic);
/// additive changes keep the version, breaking ones bump it.
/// </remarks>
public sealed record MemberRegistrationRequested : IMessageContract
{
    public const string TypeName = nameof(MemberRegistrationRequested);
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;
    public required Guid RegistrationId { get; init; }
    public required string Name { get; init; }
    /// <summary>As typed (trimmed).</summary>
    public required string Email { get; init; }
    public required string PhoneNumber { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }

    [JsonIgnore]
    public string EmailKey => ToEmailKey(Email);

    public static string ToEmailKey(string email) => email.Trim().ToLowerInvariant();

    static string IMessageContract.ContractName => TypeName;

    static int IMessageContract.ContractVersion => CurrentVersion;

    public byte[] ToUtf8Json() => VersionedJson.Write(this);

    /// <summary>Reads a record value; throws <see cref="InvalidMessageException"/> when it can never be processed.</summary>
    public static MemberRegistrationRequested FromUtf8Json(ReadOnlySpan<byte> value) =>
        VersionedJson.Read<MemberRegistrationRequested>(value, TypeName, CurrentVersion, m =>
            !(m.RegistrationId == Guid.Empty
              || string.IsNullOrWhiteSpace(m.Name) || string.IsNullOrWhiteSpace(m.Email) || string.IsNullOrWhiteSpace(m.PhoneNumber)
              || m.Name.EnumerateRunes().Count() > 50 || m.Email.Length > 254 || m.PhoneNumber.Length > 32));
}
