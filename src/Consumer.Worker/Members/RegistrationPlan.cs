using KafkaPractice.Messaging.Members;

namespace KafkaPractice.Consumer.Worker.Members;

/// <summary>What is already in MySQL for the registrations of one batch.</summary>
public sealed record ExistingState(
    IReadOnlySet<Guid> RecordedRegistrations,
    IReadOnlyDictionary<string, ExistingMember> MembersByEmailKey,
    IReadOnlyDictionary<Guid, ExistingMember> MembersByRegistration);

public sealed record ExistingMember(long MemberId, Guid RegistrationId, string EmailKey);

/// <summary>
/// Decides, for one batch in record order, which registrations create a member, which are
/// rejected, and which were already handled (redelivery). Pure, so the rules are testable.
/// </summary>
public sealed record RegistrationPlan(
    IReadOnlyList<MemberRegistrationRequested> NewMembers,
    IReadOnlyList<(Guid RegistrationId, long MemberId)> CompletedWithExistingMember,
    IReadOnlyList<(Guid RegistrationId, string Reason)> Rejected,
    int AlreadyHandled)
{
    public const string EmailTaken = "email-taken";

    public static RegistrationPlan Create(IEnumerable<MemberRegistrationRequested> messages, ExistingState existing)
    {
        var newMembers = new List<MemberRegistrationRequested>();
        var completed = new List<(Guid, long)>();
        var rejected = new List<(Guid, string)>();
        var handled = 0;
        var seen = new HashSet<Guid>();
        var claimedEmails = new HashSet<string>(StringComparer.Ordinal);

        foreach (var message in messages)
        {
            if (!seen.Add(message.RegistrationId) || existing.RecordedRegistrations.Contains(message.RegistrationId))
            {
                handled++;
            }
            else if (existing.MembersByRegistration.TryGetValue(message.RegistrationId, out var own))
            {
                completed.Add((message.RegistrationId, own.MemberId));
            }
            else if (existing.MembersByEmailKey.ContainsKey(message.EmailKey) || !claimedEmails.Add(message.EmailKey))
            {
                rejected.Add((message.RegistrationId, EmailTaken));
            }
            else
            {
                newMembers.Add(message);
            }
        }
        return new RegistrationPlan(newMembers, completed, rejected, handled);
    }
}
