extern alias api;

using api::KafkaPractice.Producer.Api.Members;
using KafkaPractice.Core.Cache.Idempotency;

namespace KafkaPractice.Tests.Members;

public sealed class IdempotencyTests
{
    private static readonly string Body = IdempotencyStore.Fingerprint("Ada\nada@example.com\n1234567");
    private static readonly string OtherBody = IdempotencyStore.Fingerprint("Bob\nbob@example.com\n1234567");

    [Fact]
    public void A_free_key_is_claimed() =>
        Assert.Equal(IdempotencyState.Claimed, IdempotencyStore.Parse(null, Body).State);

    [Fact]
    public void A_key_in_flight_is_in_flight_whatever_the_body()
    {
        Assert.Equal(IdempotencyState.InFlight, IdempotencyStore.Parse($"p|{Body}", Body).State);
        Assert.Equal(IdempotencyState.InFlight, IdempotencyStore.Parse($"p|{Body}", OtherBody).State);
        // As the claim script writes it: with the id of the attempt that holds it.
        Assert.Equal(IdempotencyState.InFlight, IdempotencyStore.Parse($"p|{Body}|{IdempotencyStore.NewAttempt()}", Body).State);
    }

    [Fact]
    public void A_completed_key_with_the_same_body_returns_the_first_answer()
    {
        var claim = IdempotencyStore.Parse($"c|{Body}|0191f4b6-0000-8000-8000-000000000001", Body);
        Assert.Equal(IdempotencyState.Completed, claim.State);
        Assert.Equal("0191f4b6-0000-8000-8000-000000000001", claim.Response);
    }

    [Fact]
    public void A_completed_key_with_another_body_is_reused() =>
        Assert.Equal(IdempotencyState.Reused, IdempotencyStore.Parse($"c|{Body}|x", OtherBody).State);

    [Fact]
    public void The_registration_id_follows_from_the_key_and_the_body()
    {
        var first = MemberRegistrationService.RegistrationIdFor("key-1", Body);
        Assert.Equal(first, MemberRegistrationService.RegistrationIdFor("key-1", Body));
        Assert.NotEqual(first, MemberRegistrationService.RegistrationIdFor("key-2", Body));
        Assert.NotEqual(first, MemberRegistrationService.RegistrationIdFor("key-1", OtherBody));
        Assert.Equal(8, first.Version);
    }

    [Fact]
    public void Fingerprints_differ_for_different_bodies()
    {
        Assert.NotEqual(Body, OtherBody);
        Assert.Equal(64, Body.Length);
    }
}
