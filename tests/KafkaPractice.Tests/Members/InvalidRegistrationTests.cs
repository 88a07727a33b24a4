using System.Net;
using System.Text;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Members;

[Collection(AppHostCollection.Name)]
public sealed class InvalidRegistrationTests(AppHostFixture fixture)
{
    // Every invalid body uses an address (when it has one) on this domain, so the test can prove nothing was written.
    private static readonly string Marker = $"invalid-{Guid.NewGuid():N}";
    private static string Email(string local = "ada") => $"{local}@{Marker}.example.com";

    private const string Name = "\"name\":\"Ada\"";
    private const string Phone = "\"phoneNumber\":\"1234567\"";
    private static string EmailField(string local = "ada") => $"\"email\":\"{Email(local)}\"";

    public static TheoryData<string, string, string> InvalidBodies() => new()
    {
        // name
        { "name missing", $"{{{EmailField()},{Phone}}}", "name" },
        { "name null", $"{{\"name\":null,{EmailField()},{Phone}}}", "name" },
        { "name empty", $"{{\"name\":\"\",{EmailField()},{Phone}}}", "name" },
        { "name blank", $"{{\"name\":\"   \",{EmailField()},{Phone}}}", "name" },
        { "name 51 characters", $"{{\"name\":\"{new string('x', 51)}\",{EmailField()},{Phone}}}", "name" },
        { "name control character", $"{{\"name\":\"Ada\\u0007\",{EmailField()},{Phone}}}", "name" },
        { "name newline", $"{{\"name\":\"Ada\\nLovelace\",{EmailField()},{Phone}}}", "name" },
        { "name bidi override", $"{{\"name\":\"Ada\\u202Eecalevol\",{EmailField()},{Phone}}}", "name" },
        { "name bidi isolate", $"{{\"name\":\"Ada\\u2067x\",{EmailField()},{Phone}}}", "name" },
        { "name lone surrogate", $"{{\"name\":\"Ada\\ud800\",{EmailField()},{Phone}}}", "name" },
        { "name is a number", $"{{\"name\":42,{EmailField()},{Phone}}}", "name" },
        { "name is an array", $"{{\"name\":[\"Ada\"],{EmailField()},{Phone}}}", "name" },
        { "name is an object", $"{{\"name\":{{\"first\":\"Ada\"}},{EmailField()},{Phone}}}", "name" },
        { "name is a boolean", $"{{\"name\":true,{EmailField()},{Phone}}}", "name" },
        // email
        { "email missing", $"{{{Name},{Phone}}}", "email" },
        { "email null", $"{{{Name},\"email\":null,{Phone}}}", "email" },
        { "email empty", $"{{{Name},\"email\":\"\",{Phone}}}", "email" },
        { "email without at", $"{{{Name},\"email\":\"ada.{Marker}.example.com\",{Phone}}}", "email" },
        { "email two at signs", $"{{{Name},\"email\":\"a@b@{Marker}.example.com\",{Phone}}}", "email" },
        { "email display name", $"{{{Name},\"email\":\"Ada <{Email()}>\",{Phone}}}", "email" },
        { "email comment", $"{{{Name},\"email\":\"{Email()} (Ada)\",{Phone}}}", "email" },
        { "email domain without dot", $"{{{Name},\"email\":\"ada@{Marker}\",{Phone}}}", "email" },
        { "email empty label", $"{{{Name},\"email\":\"ada@{Marker}..example.com\",{Phone}}}", "email" },
        { "email too long", $"{{{Name},\"email\":\"{Email(new string('a', 64) + "." + new string('b', 64) + "." + new string('c', 64) + "." + new string('d', 64))}\",{Phone}}}", "email" },
        { "email is a number", $"{{{Name},\"email\":1,{Phone}}}", "email" },
        { "email is an array", $"{{{Name},\"email\":[\"{Email()}\"],{Phone}}}", "email" },
        // phoneNumber
        { "phone missing", $"{{{Name},{EmailField()}}}", "phoneNumber" },
        { "phone null", $"{{{Name},{EmailField()},\"phoneNumber\":null}}", "phoneNumber" },
        { "phone too short", $"{{{Name},{EmailField()},\"phoneNumber\":\"123456\"}}", "phoneNumber" },
        { "phone too long", $"{{{Name},{EmailField()},\"phoneNumber\":\"1234567890123456\"}}", "phoneNumber" },
        { "phone letters", $"{{{Name},{EmailField()},\"phoneNumber\":\"12345ab\"}}", "phoneNumber" },
        { "phone double space", $"{{{Name},{EmailField()},\"phoneNumber\":\"123  4567\"}}", "phoneNumber" },
        { "phone parentheses", $"{{{Name},{EmailField()},\"phoneNumber\":\"(123) 4567\"}}", "phoneNumber" },
        { "phone plus inside", $"{{{Name},{EmailField()},\"phoneNumber\":\"123+4567\"}}", "phoneNumber" },
        { "phone is a number", $"{{{Name},{EmailField()},\"phoneNumber\":1234567}}", "phoneNumber" },
        // fields the contract does not define (names are case-sensitive)
        { "unknown field", $"{{{Name},{EmailField()},{Phone},\"nickname\":\"Ada\"}}", "nickname" },
        { "field in the wrong case", $"{{{Name},{Phone},\"Email\":\"{Email()}\"}}", "Email" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_fields_are_400_with_per_field_errors(string why, string json, string field)
    {
        using var api = fixture.CreateApiClient();
        using var response = await api.PostAsync("/members", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: {(int)response.StatusCode}");
        var problem = await MembersApiClient.AssertProblemAsync(response, 400, "validation-failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), why);
    }

    public static TheoryData<string, string, string, int, string> MalformedRequests() => new()
    {
        { "not JSON", "application/json", "name=Ada", 400, "malformed-json" },
        { "truncated JSON", "application/json", $"{{{Name},{EmailField()}", 400, "malformed-json" },
        { "trailing garbage", "application/json", $"{{{Name},{EmailField()},{Phone}}} x", 400, "malformed-json" },
        { "empty body", "application/json", "", 400, "malformed-json" },
        { "email twice, in another case", "application/json", $"{{{Name},{EmailField()},{Phone},\"Email\":\"{Email()}\"}}", 400, "duplicate-property" },
        { "JSON array", "application/json", $"[{{{Name},{EmailField()},{Phone}}}]", 400, "not-a-json-object" },
        { "JSON string", "application/json", "\"Ada\"", 400, "not-a-json-object" },
        { "JSON null", "application/json", "null", 400, "not-a-json-object" },
        { "JSON number", "application/json", "42", 400, "not-a-json-object" },
        { "deeply nested", "application/json", new string('[', 200) + new string(']', 200), 400, "malformed-json" },
        { "text/plain", "text/plain", $"{{{Name},{EmailField()},{Phone}}}", 400, "not-json" },
        { "form content", "application/x-www-form-urlencoded", "name=Ada", 400, "not-json" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Malformed_requests_are_4xx_problems(string why, string contentType, string body, int status, string slug)
    {
        using var api = fixture.CreateApiClient();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await api.PostAsync("/members", content);
        Assert.True((int)response.StatusCode == status, $"{why}: {(int)response.StatusCode}");
        await MembersApiClient.AssertProblemAsync(response, status, slug);
    }

    [Fact]
    public async Task Missing_content_type_is_refused()
    {
        using var api = fixture.CreateApiClient();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"{{{Name},{EmailField()},{Phone}}}"));
        using var response = await api.PostAsync("/members", content);
        await MembersApiClient.AssertProblemAsync(response, 400, "not-json");
    }

    [Theory]
    [InlineData(65_537, false)]
    [InlineData(1_000_000, false)]
    [InlineData(65_537, true)]
    public async Task Bodies_over_64_KiB_are_413(int size, bool chunked)
    {
        using var api = fixture.CreateApiClient();
        var padding = new string(' ', size - 60);
        var json = $"{{{Name},{EmailField()},{Phone}{padding}}}";
        HttpContent content = chunked
            ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)))
            : new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (chunked)
        {
            content.Headers.ContentLength = null;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/members") { Content = content };
        // The server answers 413 without reading the body and then drops the connection. Ask
        // before sending (Expect: 100-continue), as a client with a large body should: the 413
        // then arrives before any byte of the body, instead of racing a reset. Keep the
        // connection out of the shared pool so the next test does not reuse a dead socket.
        request.Headers.ExpectContinue = true;
        request.Headers.ConnectionClose = true;
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }
        using var response = await api.SendAsync(request);
        await MembersApiClient.AssertProblemAsync(response, 413, "payload-too-large");
    }

    [Theory]
    [InlineData("")]
    [InlineData("del\u007F")]
    [InlineData("tab\tkey")]
    public async Task Invalid_idempotency_keys_are_400(string key)
    {
        using var api = fixture.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/members")
        {
            Content = new StringContent($"{{{Name},{EmailField()},{Phone}}}", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        using var response = await api.SendAsync(request);
        await MembersApiClient.AssertProblemAsync(response, 400, "invalid-idempotency-key");
    }

    [Fact]
    public async Task An_idempotency_key_of_101_characters_is_400()
    {
        using var api = fixture.CreateApiClient();
        using var response = await api.RegisterAsync(MembersApiClient.Body(Email("long")), new string('k', 101));
        await MembersApiClient.AssertProblemAsync(response, 400, "invalid-idempotency-key");
    }

    [Fact]
    public async Task Nothing_invalid_is_written()
    {
        using var api = fixture.CreateApiClient();
        foreach (var row in InvalidBodies())
        {
            using var response = await api.PostAsync("/members", new StringContent((string)row[1], Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        foreach (var row in MalformedRequests())
        {
            var content = new StringContent((string)row[2], Encoding.UTF8);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue((string)row[1]);
            using var response = await api.PostAsync("/members", content);
            Assert.InRange((int)response.StatusCode, 400, 499);
        }

        // A valid registration sent afterwards completes; anything that had slipped through would be written by then.
        var sentinel = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("sentinel"))));
        await api.WaitForOutcomeAsync(sentinel);
        Assert.True(await KafkaEndOffsets.WaitForWorkerCaughtUpAsync(await fixture.GetConnectionStringAsync("kafka"), TimeSpan.FromSeconds(60)),
            "The worker did not catch up with Kafka.");
        var appdb = await fixture.GetConnectionStringAsync("appdb");
        Assert.Equal(0, await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members WHERE email_key LIKE @m", ("@m", $"%{Marker}%")));
    }
}
