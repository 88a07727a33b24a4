using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;
using KafkaPractice.Producer.Api.Problems;

namespace KafkaPractice.Producer.Api.Members;

/// <summary>Body of <c>POST /members</c> as bound (an absent field is null); validated into a <see cref="ValidRegistration"/>.</summary>
public sealed record RegisterMemberRequest(string? Name, string? Email, string? PhoneNumber)
    : IJsonRequest<RegisterMemberRequest, ValidRegistration>
{
    public static IReadOnlyList<JsonField> Fields { get; } = [JsonField.Text("name"), JsonField.Text("email"), JsonField.Text("phoneNumber")];

    public static JsonTypeInfo<RegisterMemberRequest> TypeInfo => RequestJsonContext.Default.RegisterMemberRequest;

    public static RegisterMemberRequest FromFields(JsonFieldValues values) =>
        new(values.Text("name"), values.Text("email"), values.Text("phoneNumber"));

    public bool TryValidate(Dictionary<string, string[]> errors, [MaybeNullWhen(false)] out ValidRegistration valid)
    {
        var (registration, found) = MemberRegistrationValidator.Validate(Name, Email, PhoneNumber);
        foreach (var (field, messages) in found)
        {
            errors[field] = messages;
        }
        valid = registration;
        return registration is not null;
    }
}

public sealed record RegistrationAccepted(Guid RegistrationId, string Status);

public sealed record RegistrationStatusResponse(Guid RegistrationId, string Status, long? MemberId, string? Reason);

public sealed record MemberResponse(long MemberId, string Name, string Email, string PhoneNumber, DateTimeOffset RegisteredAt);
