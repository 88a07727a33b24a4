using System.Text.Json.Serialization;

namespace KafkaPractice.Messaging.Coupons;

/// <summary>
/// Value of a <c>create_coupon</c> record: a coupon the API reserved in Redis and granted (202)
/// once this record was acknowledged. The record key is <see cref="RecordKey"/>, so every request
/// for one member in one campaign lands on one partition.
/// </summary>
/// <remarks>
/// Versioned like every contract here: <see cref="Version"/> in the body and the
/// <c>message-version</c> header; an unknown version is dead-lettered.
/// </remarks>
public sealed record CouponRequested : IMessageContract
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

    static string IMessageContract.ContractName => TypeName;

    static int IMessageContract.ContractVersion => CurrentVersion;

    public byte[] ToUtf8Json() => VersionedJson.Write(this);

    /// <summary>Reads a record value; throws <see cref="InvalidMessageException"/> when it can never be processed.</summary>
    public static CouponRequested FromUtf8Json(ReadOnlySpan<byte> value) =>
        VersionedJson.Read<CouponRequested>(value, TypeName, CurrentVersion, m =>
            !(string.IsNullOrEmpty(m.CampaignId) || m.CampaignId.Length > MaxCampaignIdLength || m.MemberId <= 0));
}
