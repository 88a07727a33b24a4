using System.Text.Json;
using System.Text.Json.Serialization;
using KafkaPractice.Producer.Api.Coupons;
using KafkaPractice.Producer.Api.Members;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>
/// How request bodies bind: camelCase names matched exactly (another letter case is an unknown
/// field), unknown and repeated properties refused, numbers only as JSON numbers, no comments
/// or trailing commas.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    MaxDepth = JsonBodyReader.MaxDepth)]
[JsonSerializable(typeof(RegisterMemberRequest))]
[JsonSerializable(typeof(CreateCampaignRequest))]
[JsonSerializable(typeof(RequestCouponRequest))]
internal sealed partial class RequestJsonContext : JsonSerializerContext;
