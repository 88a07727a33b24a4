using System.Text.Json;
using System.Text.Json.Serialization;

namespace KafkaPractice.ServiceDefaults.Messages.Coupons;

/// <summary>
/// Value of a <c>create_coupon</c> record: a coupon the API reserved in Redis and granted (202)
/// once this record was acknowledged. The record key is <see cref="RecordKey"/>, so every request
/// for one member in one campaign lands on one partition.
/// </summary>
/// <remarks>
/// Versioned like every contract here: <see cref="Version"/> in the body and the
/// <c>message-version</c> header; an unknown version is dead-lettered.
/// </remarks>
public sealed record CouponRequested
{
    public const string TypeName = nameof(CouponRequested);
    public const int CurrentVersion = 1;

    /// <summary>The consumer group that writes coupons to MySQL; the API watches its committed offsets when it reconciles.</summary>
    public const string DefaultConsumerGroup = "coupon-requests";

    public const int MaxCampaignIdLength = 64;

    public int Version { get; init; } = CurrentVersion;
    public required string CampaignId { get; init; }
    public required long MemberId { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }

    [JsonIgnore]
    public string RecordKey => ToRecordKey(CampaignId, MemberId);

    public static string ToRecordKey(string campaignId, long memberId) =>
        campaignId + ":" + memberId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, JsonOptions);

    /// <summary>Reads a record value; throws <see cref="InvalidMessageException"/> when it can never be processed.</summary>
    public static CouponRequested FromUtf8Json(ReadOnlySpan<byte> value)
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
        CouponRequested? message;
        try
        {
            message = JsonSerializer.Deserialize<CouponRequested>(value, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidMessageException($"The value does not match {TypeName} v{CurrentVersion}: {ex.Message}", ex);
        }
        if (message is null || string.IsNullOrEmpty(message.CampaignId) || message.CampaignId.Length > MaxCampaignIdLength || message.MemberId <= 0)
        {
            throw new InvalidMessageException($"The value is not a complete {TypeName} v{CurrentVersion}.");
        }
        return message;
    }
}
