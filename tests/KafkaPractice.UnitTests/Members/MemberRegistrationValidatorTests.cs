extern alias api;

using api::KafkaPractice.Producer.Api.Members;

namespace KafkaPractice.Tests.Members;

public sealed class MemberRegistrationValidatorTests
{
    private const string Name = "Ada Lovelace";
    private const string Email = "ada@example.com";
    private const string Phone = "+44 20-7946 0958";

    [Fact]
    public void A_plain_registration_is_valid_and_normalised()
    {
        var (registration, errors) = MemberRegistrationValidator.Validate("  Ada Lovelace ", " Ada@Example.COM ", Phone);

        Assert.Empty(errors);
        Assert.NotNull(registration);
        Assert.Equal("Ada Lovelace", registration.Name);
        Assert.Equal("Ada@Example.COM", registration.Email);
        Assert.Equal("ada@example.com", registration.EmailKey);
    }

    public static TheoryData<string> ValidNames => new()
    {
        "A", new string('x', 50), "José Ñúñez", "李小龍", "O'Brien-Smith", string.Concat(Enumerable.Repeat("😀", 50)), "  padded  ",
    };

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Valid_names_pass(string name) => Assert.Null(Validate(name: name).TryGetValue("name", out var e) ? e : null);

    public static TheoryData<string?, string> InvalidNames => new()
    {
        { null, "missing" },
        { "", "empty" },
        { "   ", "only spaces" },
        { "\t\n", "only control white space" },
        { new string('x', 51), "51 characters" },
        { string.Concat(Enumerable.Repeat("😀", 51)), "51 astral characters" },
        { "Ada\u0000Lovelace", "NUL" },
        { "Ada\u0007", "bell" },
        { "Ada\u001BLovelace", "escape" },
        { "Ada\u007FLovelace", "DEL" },
        { "Ada\u0085Lovelace", "C1 control" },
        { "Ada\nLovelace", "newline inside" },
        { "Ada\u202ELovelace", "right-to-left override" },
        { "Ada\u202ALovelace", "left-to-right embedding" },
        { "Ada\u2066Lovelace", "left-to-right isolate" },
        { "Ada\u2069Lovelace", "pop directional isolate" },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Invalid_names_are_refused(string? name, string why)
    {
        var errors = Validate(name: name, nameIsSet: true);
        Assert.True(errors.ContainsKey("name"), why);
        Assert.Single(errors);
    }

    [Fact]
    public void A_name_with_an_unpaired_surrogate_is_refused() =>
        Assert.True(Validate(name: "Ada\uD800Lovelace").ContainsKey("name"));

    public static TheoryData<string> ValidEmails => new()
    {
        "a@b.co", "first.last@example.com", "user+tag@sub.example.org", "x_y-z@a-b.example", "UPPER@EXAMPLE.COM",
        "o'neil@example.ie", new string('a', 64) + "@example.com",
    };

    [Theory]
    [MemberData(nameof(ValidEmails))]
    public void Valid_emails_pass(string email) => Assert.False(Validate(email: email).ContainsKey("email"));

    public static TheoryData<string?, string> InvalidEmails => new()
    {
        { null, "missing" },
        { "", "empty" },
        { "plainaddress", "no at sign" },
        { "@example.com", "no local part" },
        { "ada@", "no domain" },
        { "ada@example", "domain without a dot" },
        { "ada@@example.com", "two at signs" },
        { "ada@bob@example.com", "two addresses glued" },
        { "Ada <ada@example.com>", "display name" },
        { "ada@example.com (Ada)", "comment" },
        { "\"ada\"@example.com", "quoted local part" },
        { "ada lovelace@example.com", "space in local part" },
        { ".ada@example.com", "leading dot" },
        { "ada.@example.com", "trailing dot in local part" },
        { "ada..l@example.com", "two dots" },
        { "ada@example..com", "empty label" },
        { "ada@.example.com", "domain starts with a dot" },
        { "ada@example.com.", "domain ends with a dot" },
        { "ada@-example.com", "label starts with a hyphen" },
        { "ada@exa_mple.com", "underscore in domain" },
        { "ada@example.com,bob@example.com", "two addresses" },
        { new string('a', 65) + "@example.com", "local part over 64" },
        { "a@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 5)) + ".com", "over 254 characters" },
        { "ada@exämple.com", "non-ASCII domain" },
        { "ada@[127.0.0.1]", "address literal" },
    };

    [Theory]
    [MemberData(nameof(InvalidEmails))]
    public void Invalid_emails_are_refused(string? email, string why)
    {
        var errors = Validate(email: email, emailIsSet: true);
        Assert.True(errors.ContainsKey("email"), why);
        Assert.Single(errors);
    }

    public static TheoryData<string> ValidPhones => new()
    {
        "1234567", "123456789012345", "+821012345678", "010-1234-5678", "+1 415 555 0100", "+44 20-7946 0958",
    };

    [Theory]
    [MemberData(nameof(ValidPhones))]
    public void Valid_phone_numbers_pass(string phone) => Assert.False(Validate(phone: phone).ContainsKey("phoneNumber"));

    public static TheoryData<string?, string> InvalidPhones => new()
    {
        { null, "missing" },
        { "", "empty" },
        { "123456", "six digits" },
        { "1234567890123456", "sixteen digits" },
        { "+1-2-3", "too few digits with separators" },
        { "++1234567", "two plus signs" },
        { "1234+567", "plus inside" },
        { "123  4567", "two spaces" },
        { "123--4567", "two hyphens" },
        { "123 -4567", "space then hyphen" },
        { "-1234567", "leading hyphen" },
        { "1234567-", "trailing hyphen" },
        { " 1234567", "leading space" },
        { "1234567 ", "trailing space" },
        { "(555) 123-4567", "parentheses" },
        { "555.123.4567", "dots" },
        { "１２３４５６７", "full-width digits" },
        { "١٢٣٤٥٦٧", "Arabic-Indic digits" },
        { "123456a", "letter" },
        { "+ 1234567", "space after plus" },
        { "1234567\n", "newline" },
    };

    [Theory]
    [MemberData(nameof(InvalidPhones))]
    public void Invalid_phone_numbers_are_refused(string? phone, string why)
    {
        var errors = Validate(phone: phone, phoneIsSet: true);
        Assert.True(errors.ContainsKey("phoneNumber"), why);
        Assert.Single(errors);
    }

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var (registration, errors) = MemberRegistrationValidator.Validate("", "nope", "12");
        Assert.Null(registration);
        Assert.Equal(["email", "name", "phoneNumber"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("order-2024-000001", true)]
    [InlineData("with space and ~!@#$%^&*()", true)]
    [InlineData("", false)]
    [InlineData("tab\there", false)]
    [InlineData("ключ", false)]
    [InlineData("del\u007F", false)]
    public void Idempotency_keys_are_1_to_100_printable_ascii(string key, bool valid) =>
        Assert.Equal(valid, MemberRegistrationValidator.IsValidIdempotencyKey(key));

    [Fact]
    public void Idempotency_key_length_limit_is_100()
    {
        Assert.True(MemberRegistrationValidator.IsValidIdempotencyKey(new string('k', 100)));
        Assert.False(MemberRegistrationValidator.IsValidIdempotencyKey(new string('k', 101)));
    }

    [Fact]
    public void Same_body_in_different_case_or_padding_has_one_canonical_form()
    {
        var a = MemberRegistrationValidator.Validate(" Ada ", "ADA@example.com", Phone).Registration!;
        var b = MemberRegistrationValidator.Validate("Ada", "ada@EXAMPLE.com ", Phone).Registration!;
        Assert.Equal(a.Canonical, b.Canonical);
        var c = MemberRegistrationValidator.Validate("Ada", "ada@example.com", "+44 20 7946 0958").Registration!;
        Assert.NotEqual(a.Canonical, c.Canonical);
    }

    private static IReadOnlyDictionary<string, string[]> Validate(
        string? name = null, string? email = null, string? phone = null,
        bool nameIsSet = false, bool emailIsSet = false, bool phoneIsSet = false) =>
        MemberRegistrationValidator.Validate(
            nameIsSet || name is not null ? name : Name,
            emailIsSet || email is not null ? email : Email,
            phoneIsSet || phone is not null ? phone : Phone).Errors;
}
