using KafkaPractice.Core.Data.Bulk;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KafkaPractice.Core.Data.Members;

/// <summary>
/// The statements the registration consumer runs for one batch, with table and column names from
/// the EF model (built once per model).
/// </summary>
public sealed class MemberBatchSql
{
    public MemberBatchSql(IModel model)
    {
        RecordedRegistrations = new(model, [nameof(MemberRegistration.RegistrationId)], nameof(MemberRegistration.RegistrationId));
        MembersByRegistrationOrEmail = new(model,
            [nameof(Member.Id), nameof(Member.RegistrationId), nameof(Member.EmailKey)],
            nameof(Member.RegistrationId), nameof(Member.EmailKey));
        MemberIdsByRegistration = new(model, [nameof(Member.RegistrationId), nameof(Member.Id)], nameof(Member.RegistrationId));
        InsertMembers = new(model);
        InsertOutcomes = new(model);
    }

    public static MemberBatchSql For(IModel model) => PerModel<MemberBatchSql>.Get(model, m => new MemberBatchSql(m));

    /// <summary>Registration ids that already have an outcome: <c>registration_id</c>.</summary>
    public SelectWhereIn<MemberRegistration> RecordedRegistrations { get; }

    /// <summary>Members that hold one of the registration ids or email keys: <c>id, registration_id, email_key</c>.</summary>
    public SelectWhereIn<Member> MembersByRegistrationOrEmail { get; }

    /// <summary>The ids just generated for the inserted members: <c>registration_id, id</c>.</summary>
    public SelectWhereIn<Member> MemberIdsByRegistration { get; }

    public BulkInsert<Member> InsertMembers { get; }

    public BulkInsert<MemberRegistration> InsertOutcomes { get; }
}
