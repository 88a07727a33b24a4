namespace KafkaPractice.Producer.Api.Members;

/// <summary>Body of <c>POST /members</c> (documentation only: the body is read and validated by hand).</summary>
public sealed record RegisterMemberRequest(string Name, string Email, string PhoneNumber);

public sealed record RegistrationAccepted(Guid RegistrationId, string Status);

public sealed record RegistrationStatusResponse(Guid RegistrationId, string Status, long? MemberId, string? Reason);

public sealed record MemberResponse(long MemberId, string Name, string Email, string PhoneNumber, DateTimeOffset RegisteredAt);
