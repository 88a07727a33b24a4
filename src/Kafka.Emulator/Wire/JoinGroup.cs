using System.Buffers.Binary;

namespace KafkaPractice.Kafka.Emulator.Wire;

/// <summary>
/// KIP-394 on the emulator's listeners: a JoinGroup (v4 or v5) from a dynamic member without a member
/// id is answered MEMBER_ID_REQUIRED with a new id, as Kafka brokers have answered since 2.2; the
/// librdkafka mock has no such step and holds that first join until the group's rebalance ends.
/// </summary>
/// <remarks>
/// Why it matters: a client only sends LeaveGroup with the id the broker gave it. Against the bare
/// mock, a consumer closed while its first join waits (a worker stopped moments after it started)
/// cannot leave; the mock keeps its member, the group's leader hands it partitions, and nobody reads
/// them until the member's session times out and another rebalance ends (docs/kafka-emulator.md,
/// "Joining a group").
/// Only v4 and v5, the versions librdkafka (at most v5) and kafkajs send: the mock closes the
/// connection on a flexible v6 request, so a v6 join goes to it unchanged, as before.
/// Request (header v1): api_key INT16, api_version INT16, correlation_id INT32, client_id
/// NULLABLE_STRING; body: group_id STRING, session_timeout_ms INT32, rebalance_timeout_ms INT32,
/// member_id STRING, group_instance_id NULLABLE_STRING (v5), protocol_type STRING, protocols ARRAY.
/// Response (header v0): correlation_id INT32; body: throttle_time_ms INT32, error_code INT16,
/// generation_id INT32, protocol_name STRING, leader STRING, member_id STRING, members ARRAY (empty).
/// </remarks>
internal static class JoinGroup
{
    /// <summary>The first version whose clients expect MEMBER_ID_REQUIRED (KIP-394).</summary>
    public const short FirstMemberIdRequiredVersion = 4;

    /// <summary>The last version answered here; v6 is flexible (compact strings, tagged fields).</summary>
    public const short LastAnsweredVersion = 5;

    public const short MemberIdRequired = 79;

    /// <summary>
    /// True when <paramref name="request"/> (a frame without its size) is a JoinGroup the broker
    /// answers MEMBER_ID_REQUIRED: v4 or later, no member id, no group instance id (static members
    /// keep their id across restarts and skip this step).
    /// </summary>
    public static bool NeedsMemberId(ReadOnlySpan<byte> request, out int correlationId, out string clientId)
    {
        correlationId = 0;
        clientId = "";
        if (request.Length < 10 || BinaryPrimitives.ReadInt16BigEndian(request) != KafkaApiKeys.JoinGroup)
        {
            return false;
        }
        var version = BinaryPrimitives.ReadInt16BigEndian(request[2..]);
        correlationId = BinaryPrimitives.ReadInt32BigEndian(request[4..]);
        if (version is < FirstMemberIdRequiredVersion or > LastAnsweredVersion)
        {
            return false;
        }
        var pos = 8;
        clientId = KafkaWire.ReadString(request, ref pos);
        _ = KafkaWire.ReadString(request, ref pos); // group id
        pos += 8; // session and rebalance timeouts
        var memberId = KafkaWire.ReadString(request, ref pos);
        var instanceId = version >= 5 ? KafkaWire.ReadString(request, ref pos) : "";
        return memberId.Length == 0 && instanceId.Length == 0;
    }

    /// <summary>
    /// A request the mock answers in turn with nothing to wait for, under the JoinGroup's correlation id: sent in
    /// its place so that the answer written instead of the mock's keeps its place among the others.
    /// </summary>
    public static byte[] Placeholder(int correlationId, string clientId) =>
        KafkaWire.Request(KafkaApiKeys.ApiVersions, version: 0, correlationId, clientId);

    /// <summary>A new member id in the brokers' form: the client id, a dash, a UUID.</summary>
    public static string NewMemberId(string clientId) => $"{clientId}-{Guid.NewGuid():D}";

    /// <summary>The whole MEMBER_ID_REQUIRED answer frame (v4 or v5), size prefix included.</summary>
    public static byte[] MemberIdRequiredAnswer(int correlationId, string memberId) =>
        KafkaWire.Response(correlationId, body =>
        {
            KafkaWire.WriteInt32(body, 0); // throttle time
            KafkaWire.WriteInt16(body, MemberIdRequired);
            KafkaWire.WriteInt32(body, -1); // generation
            KafkaWire.WriteString(body, ""); // protocol name
            KafkaWire.WriteString(body, ""); // leader
            KafkaWire.WriteString(body, memberId);
            KafkaWire.WriteInt32(body, 0); // no members
        });
}
