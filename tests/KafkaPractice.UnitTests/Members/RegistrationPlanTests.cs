extern alias worker;

using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Members;
using worker::KafkaPractice.Consumer.Worker.Members;

namespace KafkaPractice.Tests.Members;

public sealed class RegistrationPlanTests
{
    private static readonly ExistingState Nothing = new(new HashSet<Guid>(), new Dictionary<string, ExistingMember>(), new Dictionary<Guid, ExistingMember>());

    [Fact]
    public void New_registrations_create_members()
    {
        var plan = RegistrationPlan.Create([Message("a@example.com"), Message("b@example.com")], Nothing);
        Assert.Equal(2, plan.NewMembers.Count);
        Assert.Empty(plan.Rejected);
    }

    [Fact]
    public void The_first_registration_for_an_email_wins_within_a_batch_case_insensitively()
    {
        var first = Message("Ada@Example.com");
        var second = Message("ada@example.COM");
        var plan = RegistrationPlan.Create([first, second], Nothing);
        Assert.Equal(first.RegistrationId, Assert.Single(plan.NewMembers).RegistrationId);
        Assert.Equal((second.RegistrationId, RegistrationPlan.EmailTaken), Assert.Single(plan.Rejected));
    }

    [Fact]
    public void An_email_already_in_the_database_is_rejected()
    {
        var existing = new ExistingMember(7, Guid.NewGuid(), "ada@example.com");
        var state = Nothing with { MembersByEmailKey = new Dictionary<string, ExistingMember> { [existing.EmailKey] = existing } };
        var plan = RegistrationPlan.Create([Message("ADA@example.com")], state);
        Assert.Empty(plan.NewMembers);
        Assert.Single(plan.Rejected);
    }

    [Fact]
    public void A_redelivered_registration_changes_nothing()
    {
        var message = Message("ada@example.com");
        var state = Nothing with { RecordedRegistrations = new HashSet<Guid> { message.RegistrationId } };
        var plan = RegistrationPlan.Create([message, message], state);
        Assert.Empty(plan.NewMembers);
        Assert.Empty(plan.Rejected);
        Assert.Equal(2, plan.AlreadyHandled);
    }

    [Fact]
    public void A_duplicate_within_the_batch_is_written_once()
    {
        var message = Message("ada@example.com");
        var plan = RegistrationPlan.Create([message, message], Nothing);
        Assert.Single(plan.NewMembers);
        Assert.Empty(plan.Rejected);
        Assert.Equal(1, plan.AlreadyHandled);
    }

    [Fact]
    public void A_member_without_its_outcome_row_is_completed_not_rejected()
    {
        var message = Message("ada@example.com");
        var member = new ExistingMember(9, message.RegistrationId, message.EmailKey);
        var state = Nothing with
        {
            MembersByEmailKey = new Dictionary<string, ExistingMember> { [member.EmailKey] = member },
            MembersByRegistration = new Dictionary<Guid, ExistingMember> { [member.RegistrationId] = member },
        };
        var plan = RegistrationPlan.Create([message], state);
        Assert.Equal((message.RegistrationId, 9L), Assert.Single(plan.CompletedWithExistingMember));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{}")]
    [InlineData("{\"version\":2,\"registrationId\":\"0191f4b6-0000-8000-8000-000000000001\",\"name\":\"A\",\"email\":\"a@b.c\",\"phoneNumber\":\"1234567\",\"requestedAt\":\"2025-01-01T00:00:00Z\"}")]
    [InlineData("{\"version\":1,\"registrationId\":\"nope\",\"name\":\"A\",\"email\":\"a@b.c\",\"phoneNumber\":\"1234567\",\"requestedAt\":\"2025-01-01T00:00:00Z\"}")]
    [InlineData("{\"version\":1,\"registrationId\":\"0191f4b6-0000-8000-8000-000000000001\",\"email\":\"a@b.c\",\"phoneNumber\":\"1234567\",\"requestedAt\":\"2025-01-01T00:00:00Z\"}")]
    public void Records_that_can_never_be_processed_are_recognised(string value) =>
        Assert.Throws<InvalidMessageException>(() => MemberRegistrationRequested.FromUtf8Json(System.Text.Encoding.UTF8.GetBytes(value)));

    [Fact]
    public void A_message_round_trips()
    {
        var message = Message("Ada@Example.com");
        var read = MemberRegistrationRequested.FromUtf8Json(message.ToUtf8Json());
        Assert.Equal(message, read);
        Assert.Equal("ada@example.com", read.EmailKey);
    }

    private static MemberRegistrationRequested Message(string email) => new()
    {
        RegistrationId = Guid.CreateVersion7(),
        Name = "Ada",
        Email = email,
        PhoneNumber = "1234567",
        RequestedAt = DateTimeOffset.UtcNow,
    };
}
