extern alias api;

using api::KafkaPractice.Producer.Api.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace KafkaPractice.Tests.Security;

public sealed class AdminKeyVerifierTests
{
    private const string Key = "k3yOfThirtyTwoLettersAndDigits00";

    private static AdminCredential Check(StringValues header) =>
        new AdminKeyVerifier(Options.Create(new AdminKeyOptions { AdminApiKey = Key })).Check(header);

    [Fact]
    public void No_header_is_a_missing_credential() => Assert.Equal(AdminCredential.Missing, Check(StringValues.Empty));

    [Theory]
    [InlineData("Bearer " + Key)]
    [InlineData("bearer " + Key)]
    [InlineData("BEARER " + Key)]
    public void The_key_as_a_bearer_token_is_valid_whatever_the_scheme_case(string header) =>
        Assert.Equal(AdminCredential.Valid, Check(header));

    [Theory]
    [InlineData("")]
    [InlineData(Key)]
    [InlineData("Basic " + Key)]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer  " + Key)]
    [InlineData("Bearer " + Key + " extra")]
    [InlineData("Bearer\t" + Key)]
    public void A_header_that_is_not_one_bearer_token_is_malformed(string header) =>
        Assert.Equal(AdminCredential.Malformed, Check(header));

    [Fact]
    public void Two_authorization_headers_are_malformed() =>
        Assert.Equal(AdminCredential.Malformed, Check(new StringValues(["Bearer " + Key, "Bearer " + Key])));

    [Fact]
    public void A_token_over_the_length_limit_is_malformed() =>
        Assert.Equal(AdminCredential.Malformed, Check("Bearer " + new string('k', 1025)));

    [Theory]
    [InlineData("Bearer x")]
    [InlineData("Bearer " + Key + "0")]
    [InlineData("Bearer K3yOfThirtyTwoLettersAndDigits00")]
    [InlineData("Bearer k3yOfThirtyTwoLettersAndDigits0")]
    public void Another_token_is_wrong(string header) => Assert.Equal(AdminCredential.Wrong, Check(header));
}
