using KafkaPractice.Core.Cache.Members;

namespace KafkaPractice.Tests.Members;

/// <summary>
/// The email set in Redis holds these hashes, written by the worker and checked by the API: the
/// layout must not drift (a new one needs a new built marker). Expected values from coreutils'
/// <c>printf 'member-email:...' | sha256sum</c>.
/// </summary>
public sealed class EmailHashTests
{
    [Theory]
    [InlineData("ada@example.com", "b7fcd61d298a24007bb624fcfa1e65085f4a14b2dcc2e291dd0fa5dae684c5d9")]
    [InlineData("jos\u00e9@ex\u00e4mple.com", "e5beac7ba4fe182c572e023e128f4e05568ed890fc21c1f8b7fecd1e220dfeea")]
    public void The_hash_is_sha256_of_the_prefixed_utf8_email_in_lower_case_hex(string emailKey, string expected) =>
        Assert.Equal(expected, MemberCache.EmailHash(emailKey));

    [Fact]
    public void An_address_longer_than_any_valid_one_is_hashed_too()
    {
        var longKey = new string('a', 2_000) + "@example.com";
        Assert.Equal(64, MemberCache.EmailHash(longKey).Length);
        Assert.NotEqual(MemberCache.EmailHash(longKey), MemberCache.EmailHash(longKey[1..]));
    }
}
