extern alias api;

using System.Text.Json;
using api::KafkaPractice.Producer.Api.Problems;

namespace KafkaPractice.Tests.Reliability;

/// <summary>The shared rule of every JSON endpoint: a field the endpoint does not define is refused, not ignored.</summary>
public sealed class UnknownFieldTests
{
    private static readonly string[] Fields = ["name", "email", "phoneNumber"];

    private static Dictionary<string, string[]> Check(string json)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        JsonBodyReader.AddUnknownFieldErrors(document.RootElement, Fields, errors);
        return errors;
    }

    [Fact]
    public void Known_fields_give_no_error() =>
        Assert.Empty(Check("{\"name\":\"Ada\",\"email\":\"a@b.c\",\"phoneNumber\":\"1234567\"}"));

    [Fact]
    public void An_unknown_field_gets_its_own_error()
    {
        var errors = Check("{\"name\":\"Ada\",\"nickname\":\"A\"}");
        Assert.Equal(["nickname"], errors.Keys);
        Assert.Equal(["'nickname' is not a field of this request."], errors["nickname"]);
    }

    [Theory]
    [InlineData("Name")]
    [InlineData("EMAIL")]
    [InlineData("phonenumber")]
    [InlineData("name ")]
    [InlineData("")]
    public void Field_names_are_case_and_space_sensitive(string name) =>
        Assert.True(Check($"{{{JsonSerializer.Serialize(name)}:1}}").ContainsKey(name));

    [Theory]
    [InlineData("\\ud800x")]
    [InlineData("Ada\\ud800")]
    [InlineData("\\udfffAda")]
    [InlineData("\\udc00\\ud800")]
    public void A_name_that_is_not_valid_Unicode_is_reported_as_sent(string escapedName)
    {
        var errors = Check($"{{\"{escapedName}\":1}}");
        Assert.Equal([escapedName], errors.Keys);
    }

    [Fact]
    public void Existing_errors_are_kept_and_the_answer_stays_small()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal) { ["name"] = ["'name' is required."] };
        using var document = JsonDocument.Parse("{" + string.Join(',', Enumerable.Range(0, 500).Select(i => $"\"f{i}\":{i}")) + "}");
        JsonBodyReader.AddUnknownFieldErrors(document.RootElement, Fields, errors);
        Assert.Equal(["'name' is required."], errors["name"]);
        Assert.Equal(JsonBodyReader.MaxUnknownFieldsReported + 1, errors.Count);
    }
}
