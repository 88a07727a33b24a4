namespace KafkaPractice.Core.Data.Members;

/// <summary>
/// The outcome of a registration the API accepted (202). Written by the consumer in the same
/// transaction as the member row, so the status endpoint and the members table never disagree.
/// A registration that has no row yet is still pending.
/// </summary>
public sealed class MemberRegistration
{
    public Guid RegistrationId { get; set; }
    public RegistrationStatus Status { get; set; }
    public long? MemberId { get; set; }
    /// <summary>Why a registration was rejected, e.g. <c>email-taken</c>.</summary>
    public string? Reason { get; set; }
    public DateTime AcceptedAt { get; set; }
    public DateTime CompletedAt { get; set; }
}

public enum RegistrationStatus
{
    Pending = 0,
    Completed = 1,
    Rejected = 2,
}
