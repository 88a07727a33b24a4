using System.Text.Json;
using System.Text.Json.Serialization;

namespace KafkaPractice.ServiceDefaults.Messages.Members;

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
public sealed record MemberRegistrationRequested
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

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);

    /// <summary>Reads a record value; throws <see cref="InvalidMessageException"/> when it can never be processed.</summary>
    public static MemberRegistrationRequested FromUtf8Json(ReadOnlySpan<byte> value)
    {
        int version;
        try
        {
            var reader = new Utf8JsonReader(value);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidMessageException("The value is not a JSON object.");
            }
            if (!doc.RootElement.TryGetProperty("version", out var v) || !v.TryGetInt32(out version))
            {
                throw new InvalidMessageException("The value has no integer 'version'.");
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidMessageException("The value is not valid JSON: " + ex.Message, ex);
        }
        if (version != CurrentVersion)
        {
            throw new InvalidMessageException($"Unknown {TypeName} version {version}; this consumer reads version {CurrentVersion}.");
        }
        MemberRegistrationRequested? message;
        try
        {
            message = JsonSerializer.Deserialize<MemberRegistrationRequested>(value, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidMessageException($"The value does not match {TypeName} v{CurrentVersion}: {ex.Message}", ex);
        }
        if (message is null || message.RegistrationId == Guid.Empty
            || string.IsNullOrWhiteSpace(message.Name) || string.IsNullOrWhiteSpace(message.Email) || string.IsNullOrWhiteSpace(message.PhoneNumber)
            || message.Name.EnumerateRunes().Count() > 50 || message.Email.Length > 254 || message.PhoneNumber.Length > 32)
        {
            throw new InvalidMessageException($"The value is not a complete {TypeName} v{CurrentVersion}.");
        }
        return message;
    }
}
