using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaPractice.ServiceDefaults.Kafka;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using Xunit.Abstractions;

namespace KafkaPractice.Tests.Reliability;

/// <summary>
/// A corpus of hostile requests against the running system: every one must be answered with a
/// 4xx problem document (never a 5xx), and none may leave anything behind in MySQL or Kafka.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class HostileInputTests(AppHostFixture fixture, ITestOutputHelper output)
{
    private const int MinimumCases = 200;

    /// <summary>A campaign id no test creates (campaign ids are 32 hex digits).</summary>
    private const string NoSuchCampaign = "no-such-campaign";

    private static readonly string Marker = $"hostile-{Guid.NewGuid():N}";
    private static readonly string ValidEmail = $"ada@{Marker}.example.com";
    private static readonly string ValidMember = $"\"name\":\"Ada\",\"email\":\"{ValidEmail}\",\"phoneNumber\":\"1234567\"";

    public sealed record HostileRequest(
        string Label,
        HttpMethod Method,
        string Path,
        string? Body = null,
        string? ContentType = "application/json",
        string? IdempotencyKey = null,
        bool Chunked = false,
        int? ExpectedStatus = null,
        string? ExpectedErrorField = null,
        byte[]? RawBody = null,
        bool RefusedByServer = false)
    {
        /// <summary>The server answers 413 without reading the rest of an oversized body and drops the connection.</summary>
        public bool Oversized => Body is not null && Encoding.UTF8.GetByteCount(Body) > 64 * 1024;
    }

    /// <summary>Strings that have broken parsers, logs, databases and pages elsewhere.</summary>
    private static readonly (string Label, string Value)[] HostileStrings =
    [
        ("sql tautology", "' OR '1'='1"),
        ("sql drop", "'; DROP TABLE members; --"),
        ("sql delete", "1; DELETE FROM coupons WHERE 1=1"),
        ("sql union", "\" UNION SELECT email, phone_number FROM members --"),
        ("sql comment", "admin'/*"),
        ("script tag", "<script>alert(1)</script>"),
        ("img onerror", "<img src=x onerror=alert(1)>"),
        ("javascript url", "javascript:alert(document.cookie)"),
        ("template", "{{7*7}}${7*7}"),
        ("jndi", "${jndi:ldap://example.invalid/a}"),
        ("path traversal", "../../../../etc/passwd"),
        ("bidi override", "Ada\u202Eecalevol"),
        ("bidi isolate", "\u2066Ada\u2069"),
        ("nul", "\u0000"),
        ("embedded nul", "Ada\u0000Lovelace"),
        ("ansi escape", "\u001b[31mAda\u001b[0m"),
        ("lone high surrogate", "Ada\ud800"),
        ("lone low surrogate", "\udfffAda"),
        ("reversed surrogates", "\udc00\ud800"),
        ("zero-width", "A\u200Bd\u200Da\u2060"),
        ("byte order mark", "\uFEFFAda"),
        ("astral", "\U0001D56C\U0001D589\U0001D586 \U0001F600"),
        ("combining marks", "A" + string.Concat(Enumerable.Repeat("\u0301", 200))),
        ("crlf injection", "Ada\r\nSet-Cookie: x=1"),
        ("percent nul", "%00"),
        ("empty", ""),
        ("blank", "   "),
        ("huge", new string('x', 20_000)),
        ("huge unicode", string.Concat(Enumerable.Repeat("\u202E\u200B", 1_000))),
    ];

    public static IReadOnlyList<HostileRequest> Corpus()
    {
        var cases = new List<HostileRequest>();
        void Add(HostileRequest c) => cases.Add(c);
        HostileRequest Post(string label, string path, string body, int? status = null, string? field = null) =>
            new(label, HttpMethod.Post, path, body, ExpectedStatus: status, ExpectedErrorField: field);

        // Unknown fields: an otherwise valid body with one field the endpoint does not define.
        foreach (var extra in new[] { "nickname", "Name", "EMAIL", "name ", "", "__proto__", "$type", "memberId", "registrationId", "status" })
        {
            Add(Post($"members: unknown field '{extra}'", "/members", $"{{{ValidMember},{Json(extra)}:\"x\"}}", 400, extra));
        }
        foreach (var extra in new[] { "nickname", "Stock", "NAME", "issued", "remaining", "campaignId", "" })
        {
            Add(Post($"campaigns: unknown field '{extra}'", "/campaigns", $"{{\"name\":\"Spring\",\"stock\":10,{Json(extra)}:1}}", 400, extra));
        }
        foreach (var extra in new[] { "nickname", "MemberId", "campaignId", "memberid", "" })
        {
            Add(Post($"coupons: unknown field '{extra}'", $"/campaigns/{NoSuchCampaign}/coupons", $"{{\"memberId\":1,{Json(extra)}:1}}", 400, extra));
        }
        Add(Post("members: huge unknown field name", "/members", $"{{{ValidMember},{Json(new string('k', 60_000))}:1}}", 400));
        Add(Post("members: many unknown fields", "/members",
            $"{{{ValidMember},{string.Join(',', Enumerable.Range(0, 2_000).Select(i => $"\"f{i}\":{i}"))}}}", 400));

        // Wrong JSON types and missing fields.
        var wrongValues = new[] { "42", "-1.5", "true", "false", "[]", "[\"Ada\"]", "{}", "{\"value\":\"Ada\"}", "1e400" };
        foreach (var field in new[] { "name", "email", "phoneNumber" })
        {
            foreach (var value in wrongValues)
            {
                Add(Post($"members: {field} = {value}", "/members", MemberBody(field, value), 400, field));
            }
            Add(Post($"members: {field} missing", "/members", MemberBody(field, null), 400, field));
        }
        Add(Post("members: empty object", "/members", "{}", 400, "name"));
        Add(Post("members: all null", "/members", "{\"name\":null,\"email\":null,\"phoneNumber\":null}", 400, "email"));

        // Ids: memberId in a coupon request, on a campaign that does not exist and on the default one.
        var badIds = new[]
        {
            "0", "-1", "-0", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999",
            "1e400", "-1e400", "1e-400", "1.5", "0.5", "\"12\"", "\"1\"", "true", "null", "[]", "[1]", "{}", "{\"id\":1}",
        };
        foreach (var id in badIds)
        {
            Add(Post($"coupons: memberId {id}", $"/campaigns/{NoSuchCampaign}/coupons", $"{{\"memberId\":{id}}}", 400, "memberId"));
            Add(Post($"default coupons: memberId {id}", "/campaigns/default/coupons", $"{{\"memberId\":{id}}}", 400, "memberId"));
        }
        Add(Post("coupons: memberId missing", $"/campaigns/{NoSuchCampaign}/coupons", "{}", 400, "memberId"));
        foreach (var id in new[] { "0", "-1", "abc", "1.5", "9223372036854775808", "99999999999999999999", "1e3", "+1", " 1", "0x10", "%00" })
        {
            Add(new($"seed coupons: /coupons/{id}", HttpMethod.Post, $"/coupons/{Uri.EscapeDataString(id)}", Body: null, ContentType: null));
        }

        // Campaign stock out of range or of the wrong type (with a valid name, so only the stock refuses it).
        foreach (var stock in new[] { "0", "-1", "1000001", "2147483648", "9223372036854775808", "1e400", "10.5", "\"10\"", "true", "null", "[]", "{}" })
        {
            Add(Post($"campaigns: stock {stock}", "/campaigns", $"{{\"name\":\"Spring\",\"stock\":{stock}}}", 400, "stock"));
        }
        Add(Post("campaigns: stock missing", "/campaigns", "{\"name\":\"Spring\"}", 400, "stock"));
        Add(Post("campaigns: name missing", "/campaigns", "{\"stock\":10}", 400, "name"));
        Add(Post("campaigns: name 51 characters", "/campaigns", $"{{\"name\":\"{new string('x', 51)}\",\"stock\":10}}", 400, "name"));

        // Hostile strings in every field, each in a body that is invalid for another reason too.
        foreach (var (label, value) in HostileStrings)
        {
            var s = Json(value);
            Add(Post($"members: {label} in every field", "/members", $"{{\"name\":{s},\"email\":{s},\"phoneNumber\":{s}}}", 400, "email"));
            // A name that is not valid Unicode refuses the whole body (malformed JSON), others are unknown fields.
            Add(Post($"members: {label} as a field name", "/members", $"{{{s}:{s},\"email\":\"not-an-address\"}}", 400,
                IsValidUnicode(value) ? "email" : null));
            Add(Post($"coupons: {label} as a field name", $"/campaigns/{NoSuchCampaign}/coupons", $"{{{s}:1}}", 400));
            Add(Post($"campaigns: {label} as name", "/campaigns", $"{{\"name\":{s},\"stock\":0}}", 400, "stock"));
            Add(Post($"coupons: {label} as memberId", $"/campaigns/{NoSuchCampaign}/coupons", $"{{\"memberId\":{s}}}", 400, "memberId"));
            if (PathSegment(value) is { } segment)
            {
                Add(new($"get campaign: {label} as id", HttpMethod.Get, $"/campaigns/{segment}", RefusedByServer: value.Contains('\0', StringComparison.Ordinal)));
            }
        }

        // Not JSON, not an object, too deep.
        foreach (var (label, body) in new[]
        {
            ("not JSON", "name=Ada"), ("empty body", ""), ("truncated", "{\"name\":\"Ada\""), ("trailing garbage", "{} {}"),
            ("single quotes", "{'name':'Ada'}"), ("comments", "{/* x */}"), ("trailing comma", "{\"name\":\"Ada\",}"),
            ("NaN", "{\"memberId\":NaN}"), ("unquoted key", "{name:\"Ada\"}"), ("raw control char", "{\"name\":\"A\u0001\"}"),
            ("invalid escape", "{\"name\":\"\\x41\"}"), ("short unicode escape", "{\"name\":\"\\u12\"}"),
            ("array", "[]"), ("string", "\"Ada\""), ("number", "42"), ("null", "null"), ("true", "true"),
            ("depth 10,000 arrays", "{\"name\":" + new string('[', 10_000) + new string(']', 10_000) + "}"),
            ("depth 10,000 objects", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)),
            ("depth 10,000 unclosed", new string('[', 10_000)),
        })
        {
            Add(Post($"members: {label}", "/members", body));
            Add(Post($"campaigns: {label}", "/campaigns", body));
            Add(Post($"coupons: {label}", $"/campaigns/{NoSuchCampaign}/coupons", body));
        }
        foreach (var (label, bytes) in new (string, byte[])[]
        {
            ("lone continuation byte", [0x80]), ("overlong slash", [0xC0, 0xAF]), ("encoded surrogate", [0xED, 0xA0, 0x80]),
            ("truncated sequence", [0xE2, 0x82]), ("invalid byte", [0xFF]),
        })
        {
            var raw = Encoding.UTF8.GetBytes("{\"name\":\"").Concat(bytes).Concat(Encoding.UTF8.GetBytes("\",\"email\":\"x\"}")).ToArray();
            Add(new($"members: invalid UTF-8 ({label})", HttpMethod.Post, "/members", RawBody: raw, ExpectedStatus: 400));
        }

        // Wrong or missing content type, with bodies that would otherwise be valid where that is safe.
        foreach (var type in new[] { null, "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/jsonx", "json", "application/octet-stream" })
        {
            var name = type ?? "no content type";
            Add(new($"members: {name}", HttpMethod.Post, "/members", $"{{{ValidMember}}}", type, ExpectedStatus: 400));
            Add(new($"campaigns: {name}", HttpMethod.Post, "/campaigns", "{\"name\":\"Spring\",\"stock\":10}", type, ExpectedStatus: 400));
            Add(new($"coupons: {name}", HttpMethod.Post, $"/campaigns/{NoSuchCampaign}/coupons", "{\"memberId\":1}", type, ExpectedStatus: 400));
        }
        foreach (var type in new[] { "application/merge-patch+json", "application/json; charset=utf-16", "application/problem+json" })
        {
            Add(new($"members: {type} with an invalid body", HttpMethod.Post, "/members", "{\"name\":\"Ada\"}", type));
        }

        // Bodies over 64 KiB, announced and chunked, on every route that takes a POST (and one that does not exist).
        var big = new string(' ', 70_000);
        foreach (var path in new[] { "/members", "/campaigns", $"/campaigns/{NoSuchCampaign}/coupons", "/campaigns/default/coupons", "/no-such-route" })
        {
            Add(new($"oversized: {path}", HttpMethod.Post, path, $"{{{ValidMember}{big}}}", ExpectedStatus: 413));
            Add(new($"oversized chunked: {path}", HttpMethod.Post, path, $"{{{ValidMember}{big}}}", Chunked: true));
        }
        Add(new("oversized: 1 MB string", HttpMethod.Post, "/members", $"{{\"name\":\"{new string('x', 1_000_000)}\"}}", ExpectedStatus: 413));

        // Bad Idempotency-Keys on an otherwise valid registration: the key alone must refuse it.
        foreach (var (label, key) in new[]
        {
            ("empty", ""), ("101 characters", new string('k', 101)), ("4,000 characters", new string('k', 4_000)),
            ("tab", "tab\tkey"), ("DEL", "del\u007F"), ("unit separator", "key\u001F"),
        })
        {
            Add(new($"idempotency key: {label}", HttpMethod.Post, "/members", $"{{{ValidMember}}}", IdempotencyKey: key, ExpectedStatus: 400));
        }

        // Unknown routes and wrong methods on known ones.
        foreach (var path in new[]
        {
            "/", "/member", "/api/members", "/members/1/extra", "/campaigns/x/coupons/1/extra", "/coupons", "/members/registrations",
            "/members/registrations/", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/campaigns/%FF",
            "/campaigns/%ED%A0%80", "/openapi/v2.json", "/.env", "/admin",
        })
        {
            Add(new($"unknown route: GET {path}", HttpMethod.Get, path));
        }
        Add(Post("unknown route: POST /api/members", "/api/members", $"{{{ValidMember}}}", 404));
        foreach (var (method, path) in new[]
        {
            ("GET", "/members"), ("PUT", "/members"), ("DELETE", "/members"), ("PATCH", "/members"),
            ("POST", "/members/1"), ("DELETE", "/members/1"), ("PUT", "/members/registrations/6f9619ff-8b86-d011-b42d-00c04fc964ff"),
            ("GET", "/campaigns"), ("DELETE", "/campaigns"), ("PUT", "/campaigns/default"), ("DELETE", "/campaigns/default"),
            ("GET", "/campaigns/default/coupons"), ("PUT", "/campaigns/default/coupons"), ("DELETE", "/campaigns/default/coupons/1"),
            ("GET", "/coupons/1"), ("DELETE", "/coupons/1"), ("TRACE", "/members"),
        })
        {
            Add(new($"wrong method: {method} {path}", new HttpMethod(method), path, ContentType: null, ExpectedStatus: 405));
        }

        // Bad path values.
        foreach (var path in new[]
        {
            "/members/abc", "/members/-1", "/members/0", "/members/99999999999999999999", "/members/9223372036854775808",
            "/members/1.5", "/members/1e3", "/members/%20", $"/members/{new string('9', 300)}",
            "/members/registrations/not-a-guid", "/members/registrations/00000000-0000-0000-0000-00000000000g",
            "/members/registrations/%7B%7D", $"/members/registrations/{new string('a', 300)}",
            $"/campaigns/{new string('c', 300)}", $"/campaigns/{NoSuchCampaign}/coupons/abc", $"/campaigns/{NoSuchCampaign}/coupons/-1",
            $"/campaigns/{NoSuchCampaign}/coupons/99999999999999999999", "/campaigns/default/coupons/0",
        })
        {
            Add(new($"bad path: GET {path}", HttpMethod.Get, path));
        }
        Add(Post("bad path: POST /campaigns/<300 chars>/coupons", $"/campaigns/{new string('c', 300)}/coupons", "{\"memberId\":1}", 404));
        Add(Post("bad path: POST /campaigns/<2,000 chars>/coupons", $"/campaigns/{new string('c', 2_000)}/coupons", "{\"memberId\":1}", 404));
        // Kestrel refuses a path with an encoded NUL before the application sees it: a bare 400 without a body.
        Add(new("bad path: GET /members/%00", HttpMethod.Get, "/members/%00", ExpectedStatus: 400, RefusedByServer: true));
        Add(new("bad path: POST /campaigns/%00/coupons", HttpMethod.Post, "/campaigns/%00/coupons", "{\"memberId\":1}", ExpectedStatus: 400, RefusedByServer: true));
        Add(Post("bad path: POST /campaigns/<script>/coupons", $"/campaigns/{Uri.EscapeDataString("<script>")}/coupons", "{\"memberId\":1}", 404));
        Add(Post("bad path: POST /campaigns/' OR 1=1/coupons", $"/campaigns/{Uri.EscapeDataString("' OR '1'='1")}/coupons", "{\"memberId\":1}", 404));

        return cases;
    }

    [Fact]
    public void The_corpus_holds_at_least_200_distinct_cases()
    {
        var corpus = Corpus();
        Assert.True(corpus.Count >= MinimumCases, $"{corpus.Count} cases");
        var duplicates = corpus.GroupBy(c => c.Label).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Duplicate labels: " + string.Join(", ", duplicates));
    }

    [Fact]
    public async Task Every_hostile_request_is_a_4xx_problem_and_writes_nothing()
    {
        var appdb = await fixture.GetConnectionStringAsync("appdb");
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var before = await SettledSnapshotAsync(appdb, kafka);

        var corpus = Corpus();
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        // With the admin key, so the POST /campaigns cases reach the body checks they are about (the other endpoints ignore it).
        using var api = fixture.CreateAdminApiClient();
        foreach (var c in corpus)
        {
            try
            {
                var (status, failure) = await SendAsync(api, c);
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (failure is not null)
                {
                    failures.Add($"{c.Label} ({c.Method} {Truncate(c.Path)}): {status} {failure}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                failures.Add($"{c.Label} ({c.Method} {Truncate(c.Path)}): no answer: {ex.GetType().Name}: {ex.Message}");
            }
        }
        output.WriteLine($"{corpus.Count} hostile requests; statuses: {string.Join(", ", statuses.Select(s => $"{s.Key} x {s.Value}"))}");

        var after = await SnapshotAsync(appdb, kafka);
        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} cases failed:\n" + string.Join('\n', failures));
        Assert.Equal(before, after);
    }

    private static async Task<(int Status, string? Failure)> SendAsync(HttpClient api, HostileRequest c)
    {
        using var request = new HttpRequestMessage(c.Method, c.Path);
        if (c.RawBody is not null || c.Body is not null)
        {
            var bytes = c.RawBody ?? Encoding.UTF8.GetBytes(c.Body!);
            HttpContent content = c.Chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes);
            if (c.ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }
            request.Content = content;
            if (c.Chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }
        }
        if (c.Oversized)
        {
            // 413 before any byte of the body (no race with the server's reset), and no reuse of the dropped connection.
            request.Headers.ExpectContinue = true;
            request.Headers.ConnectionClose = true;
        }
        if (c.IdempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", c.IdempotencyKey);
        }

        using var response = await api.SendAsync(request);
        var status = (int)response.StatusCode;
        if (status is < 400 or > 499)
        {
            return (status, $"is not a 4xx: {Truncate(await response.Content.ReadAsStringAsync(), 300)}");
        }
        if (c.ExpectedStatus is { } expected && status != expected)
        {
            return (status, $"expected {expected}");
        }
        if (c.RefusedByServer)
        {
            return (status, status == 400 ? null : "expected Kestrel's 400");
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return (status, $"Content-Type is '{response.Content.Headers.ContentType}'");
        }
        JsonElement problem;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        catch (JsonException ex)
        {
            return (status, $"body is not JSON: {ex.Message}");
        }
        if (problem.ValueKind != JsonValueKind.Object
            || !problem.TryGetProperty("status", out var statusProperty)
            || statusProperty.ValueKind != JsonValueKind.Number
            || statusProperty.GetInt32() != status)
        {
            return (status, $"body 'status' does not match: {Truncate(problem.GetRawText(), 300)}");
        }
        if (c.ExpectedErrorField is { } field
            && (!problem.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object || !errors.TryGetProperty(field, out _)))
        {
            return (status, $"no error for field '{Truncate(field)}': {Truncate(problem.GetRawText(), 300)}");
        }
        return (status, null);
    }

    public sealed record Snapshot(long Members, long Registrations, long Campaigns, long Coupons, long CreateMemberEnd, long CreateCouponEnd);

    /// <summary>
    /// A snapshot once the system is quiet: records an earlier test left in flight may still be
    /// on their way to MySQL, so wait until two snapshots a moment apart agree.
    /// </summary>
    private static async Task<Snapshot> SettledSnapshotAsync(string appdb, string kafka)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var previous = await SnapshotAsync(appdb, kafka);
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            var current = await SnapshotAsync(appdb, kafka);
            if (current == previous || DateTime.UtcNow > deadline)
            {
                return current;
            }
            previous = current;
        }
    }

    private static async Task<Snapshot> SnapshotAsync(string appdb, string kafka) => new(
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members"),
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM member_registrations"),
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM campaigns"),
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM coupons"),
        KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateMember),
        KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateCoupon));

    /// <summary>A <c>POST /members</c> body with valid fields except <paramref name="field"/>, which gets the raw JSON value (or is left out).</summary>
    private static string MemberBody(string field, string? rawValue)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = "\"Ada\"",
            ["email"] = Json(ValidEmail),
            ["phoneNumber"] = "\"1234567\"",
        };
        if (rawValue is null)
        {
            fields.Remove(field);
        }
        else
        {
            fields[field] = rawValue;
        }
        return "{" + string.Join(',', fields.Select(f => $"{Json(f.Key)}:{f.Value}")) + "}";
    }

    /// <summary>A JSON string literal with every non-ASCII or control UTF-16 unit escaped, so lone surrogates become "\udXXX" escapes.</summary>
    private static string Json(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\').Append(c);
            }
            else if (c < ' ' || c > '~')
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.Append('"').ToString();
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsValidUnicode(string value)
    {
        try
        {
            StrictUtf8.GetByteCount(value);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The value escaped as one path segment (at most 80 characters of it), or null when it is not valid Unicode.</summary>
    private static string? PathSegment(string value)
    {
        try
        {
            return Uri.EscapeDataString(value.Length <= 80 ? value : value[..80]);
        }
        catch (UriFormatException)
        {
            return null;
        }
    }

    private static string Truncate(string value, int max = 80) =>
        value.Length <= max ? value : value[..max] + $"...({value.Length} chars)";
}
