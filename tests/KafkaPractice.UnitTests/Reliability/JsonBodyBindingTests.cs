extern alias api;

using System.Text;
using System.Text.Json;
using api::KafkaPractice.Producer.Api.Coupons;
using api::KafkaPractice.Producer.Api.Members;
using api::KafkaPractice.Producer.Api.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KafkaPractice.Tests.Reliability;

/// <summary>
/// Request bodies in process, through the binder every JSON endpoint uses: the hostile corpus'
/// body cases get the answer the running API must give, and the rules shared by every endpoint
/// (unknown fields refused, every invalid field reported at once) hold.
/// </summary>
public sealed class JsonBodyBindingTests
{
    private const string ProblemTypeBase = "https://kafkapractice.dev/problems/";

    private static readonly string[] BodySlugs = ["validation-failed", "malformed-json", "not-a-json-object", "duplicate-property"];

    /// <summary>The corpus' requests whose answer the body decides: a JSON body on an endpoint that takes one, no header that refuses it first.</summary>
    public static TheoryData<string> CorpusBodyCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in BodyCases())
        {
            data.Add(c.Label);
        }
        return data;
    }

    private static IEnumerable<HostileCorpus.HostileRequest> BodyCases() =>
        HostileCorpus.Cases().Where(c =>
            c.Method == HttpMethod.Post && (c.Body is not null || c.RawBody is not null) && !c.Oversized && !c.Chunked
            && c.IdempotencyKey is null && c.ContentType is "application/json" && !c.RefusedByServer && EndpointOf(c.Path) is not null
            && (BodySlugs.Contains(c.ExpectedType) || c.ExpectedStatus == 404));

    private static string? EndpointOf(string path) =>
        path == "/members" ? "members"
        : path == "/campaigns" ? "campaigns"
        : path.StartsWith("/campaigns/", StringComparison.Ordinal) && path.EndsWith("/coupons", StringComparison.Ordinal) ? "coupons"
        : null;

    [Fact]
    public void The_corpus_has_body_cases_for_every_endpoint_and_answer()
    {
        var cases = BodyCases().ToList();
        Assert.True(cases.Count >= 250, $"{cases.Count} body cases");
        Assert.Equal(["campaigns", "coupons", "members"], cases.Select(c => EndpointOf(c.Path)!).Distinct().Order());
        Assert.Subset(cases.Select(c => c.ExpectedType!).ToHashSet(), BodySlugs.ToHashSet());
    }

    [Theory]
    [MemberData(nameof(CorpusBodyCases))]
    public void A_corpus_body_gets_the_contracts_answer(string label)
    {
        var c = HostileCorpus.Cases().Single(x => x.Label == label);
        var bytes = c.RawBody ?? Encoding.UTF8.GetBytes(c.Body!);
        var problem = EndpointOf(c.Path) switch
        {
            "members" => JsonBodyReader.Bind<RegisterMemberRequest, ValidRegistration>(bytes).Problem,
            "campaigns" => JsonBodyReader.Bind<CreateCampaignRequest, NewCampaign>(bytes).Problem,
            _ => JsonBodyReader.Bind<RequestCouponRequest, long>(bytes).Problem,
        };
        if (c.ExpectedStatus == 404)
        {
            // Valid, and refused later (no such campaign).
            Assert.Null(problem);
            return;
        }
        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal(ProblemTypeBase + c.ExpectedType, problem.ProblemDetails.Type);
        if (c.ExpectedErrorField is { } field)
        {
            Assert.Contains(field, Errors(problem).Keys);
        }
    }

    [Fact]
    public void A_valid_body_binds_to_the_validated_form()
    {
        var body = JsonBodyReader.Bind<RegisterMemberRequest, ValidRegistration>(
            "{\"name\":\" Ada \",\"email\":\"Ada@Example.com\",\"phoneNumber\":\"+44 20-7946 0958\"}"u8);
        Assert.True(body.IsValid);
        Assert.Equal(new ValidRegistration("Ada", "Ada@Example.com", "+44 20-7946 0958"), body.Value);

        var campaign = JsonBodyReader.Bind<CreateCampaignRequest, NewCampaign>("{\"name\":\"Spring\",\"stock\":1000000}"u8);
        Assert.Equal(new NewCampaign("Spring", 1_000_000), campaign.Value);

        var coupon = JsonBodyReader.Bind<RequestCouponRequest, long>("{\"memberId\":9223372036854775807}"u8);
        Assert.Equal(long.MaxValue, coupon.Value);
    }

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var errors = Errors(JsonBodyReader.Bind<RegisterMemberRequest, ValidRegistration>(
            "{\"name\":42,\"email\":\"not-an-address\",\"nickname\":\"A\"}"u8).Problem);
        Assert.Equal(["name", "email", "phoneNumber", "nickname"], errors.Keys);
        Assert.Equal(["'name' must be a JSON string."], errors["name"]);
        Assert.Equal(["'phoneNumber' is required."], errors["phoneNumber"]);
        Assert.Equal(["'nickname' is not a field of this request."], errors["nickname"]);
    }

    [Theory]
    [InlineData("Name")]
    [InlineData("EMAIL")]
    [InlineData("phonenumber")]
    [InlineData("name ")]
    [InlineData("")]
    public void Field_names_are_case_and_space_sensitive(string name)
    {
        var body = Encoding.UTF8.GetBytes($"{{{JsonSerializer.Serialize(name)}:\"x\"}}");
        var problem = JsonBodyReader.Bind<RegisterMemberRequest, ValidRegistration>(body).Problem;
        Assert.Equal(ProblemTypeBase + "validation-failed", problem?.ProblemDetails.Type);
        Assert.Equal(["'" + name + "' is not a field of this request."], Errors(problem)[name]);
    }

    [Fact]
    public void At_most_twenty_unknown_fields_are_named()
    {
        var body = "{\"name\":\"Ada\"," + string.Join(',', Enumerable.Range(0, 500).Select(i => $"\"f{i}\":{i}")) + "}";
        var errors = Errors(JsonBodyReader.Bind<RegisterMemberRequest, ValidRegistration>(Encoding.UTF8.GetBytes(body)).Problem);
        Assert.Equal(["email", "phoneNumber"], errors.Keys.Take(2));
        Assert.Equal(JsonBodyDiagnosis.MaxUnknownFieldsReported + 2, errors.Count);
        Assert.Equal(["f0", "f19"], [errors.Keys.ElementAt(2), errors.Keys.Last()]);
    }

    [Theory]
    [InlineData("{\"memberId\":1,\"a\":{\"b\":1,\"B\":[{\"c\":1,\"c\":2}]}}", "duplicate-property", "B")]
    [InlineData("{\"memberId\":1,\"x\":[{\"c\":1,\"c\":2}],\"memberId\":2}", "duplicate-property", "c")]
    [InlineData("{\"memberId\":1,\"memberId\":2", "malformed-json", null)]
    [InlineData("{\"\\ud800\":1,\"memberId\":1,\"memberId\":2}", "malformed-json", null)]
    [InlineData("[{\"memberId\":1,\"memberId\":2}]", "not-a-json-object", null)]
    [InlineData("null", "not-a-json-object", null)]
    [InlineData("{\"memberId\":-0}", "validation-failed", "memberId")]
    public void The_first_problem_in_the_contracts_order_answers(string body, string slug, string? field)
    {
        var problem = JsonBodyReader.Bind<RequestCouponRequest, long>(Encoding.UTF8.GetBytes(body)).Problem;
        Assert.Equal(ProblemTypeBase + slug, problem?.ProblemDetails.Type);
        if (field is not null)
        {
            Assert.Contains(field, Errors(problem).Keys);
        }
    }

    private static IDictionary<string, string[]> Errors(ProblemHttpResult? problem) =>
        Assert.IsType<HttpValidationProblemDetails>(problem?.ProblemDetails).Errors;
}
