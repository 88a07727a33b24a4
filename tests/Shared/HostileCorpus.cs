using System.Globalization;
using System.Text;

namespace KafkaPractice.Tests.Reliability;

/// <summary>
/// Hostile requests and the answer the contract fixes for each: the status and the problem type's
/// slug. The whole-system tests send them to the running API; the unit tests run the body cases
/// against the binder in process.
/// </summary>
public static class HostileCorpus
{
    public const int MinimumCases = 200;

    public const string ProblemTypeBase = "https://kafkapractice.dev/problems/";

    /// <summary>A campaign id no test creates (campaign ids are 32 hex digits).</summary>
    private const string NoSuchCampaign = "no-such-campaign";

    private static readonly string Marker = $"hostile-{Guid.NewGuid():N}";
    private static readonly string ValidEmail = $"ada@{Marker}.example.com";
    private static readonly string ValidMember = $"\"name\":\"Ada\",\"email\":\"{ValidEmail}\",\"phoneNumber\":\"1234567\"";

    /// <summary>
    /// One hostile request and the answer the contract fixes for it: the status, and the problem
    /// <c>type</c>'s slug (none only where Kestrel refuses the request before the application sees it).
    /// </summary>
    public sealed record HostileRequest(
        string Label,
        HttpMethod Method,
        string Path,
        int ExpectedStatus,
        string? ExpectedType,
        string? Body = null,
        string? ContentType = "application/json",
        string? IdempotencyKey = null,
        bool Chunked = false,
        string? ExpectedErrorField = null,
        byte[]? RawBody = null,
        bool RefusedByServer = false)
    {
        /// <summary>The server answers 413 without reading the rest of an oversized body and drops the connection.</summary>
        public bool Oversized => Body is not null && Encoding.UTF8.GetByteCount(Body) > 64 * 1024;
    }

    // The problem types' slugs, as DESIGN.md and the API name them.
    private const string ValidationFailed = "validation-failed";
    private const string MalformedJson = "malformed-json";
    private const string NotAnObject = "not-a-json-object";
    private const string NotJson = "not-json";
    private const string DuplicateProperty = "duplicate-property";
    private const string TooLarge = "payload-too-large";
    private const string InvalidKey = "invalid-idempotency-key";
    private const string NotFound = "not-found";
    private const string MethodNotAllowed = "method-not-allowed";
    private const string CampaignNotFound = "campaign-not-found";
    private const string MemberNotFound = "member-not-found";
    private const string CouponNotFound = "coupon-not-found";

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

    public static IReadOnlyList<HostileRequest> Cases()
    {
        var cases = new List<HostileRequest>();
        void Add(HostileRequest c) => cases.Add(c);
        HostileRequest Post(string label, string path, string body, int status, string type, string? field = null) =>
            new(label, HttpMethod.Post, path, status, type, body, ExpectedErrorField: field);
        HostileRequest Get(string label, string path, int status, string type) => new(label, HttpMethod.Get, path, status, type);
        var coupons = $"/campaigns/{NoSuchCampaign}/coupons";

        // Unknown fields: an otherwise valid body with one field the endpoint does not define.
        foreach (var extra in new[] { "nickname", "name ", "", "__proto__", "$type", "memberId", "registrationId", "status" })
        {
            Add(Post($"members: unknown field '{extra}'", "/members", $"{{{ValidMember},{Json(extra)}:\"x\"}}", 400, ValidationFailed, extra));
        }
        foreach (var extra in new[] { "nickname", "issued", "remaining", "campaignId", "" })
        {
            Add(Post($"campaigns: unknown field '{extra}'", "/campaigns", $"{{\"name\":\"Spring\",\"stock\":10,{Json(extra)}:1}}", 400, ValidationFailed, extra));
        }
        foreach (var extra in new[] { "nickname", "campaignId", "" })
        {
            Add(Post($"coupons: unknown field '{extra}'", coupons, $"{{\"memberId\":1,{Json(extra)}:1}}", 400, ValidationFailed, extra));
        }
        Add(Post("members: huge unknown field name", "/members", $"{{{ValidMember},{Json(new string('k', 60_000))}:1}}", 400, ValidationFailed));
        Add(Post("members: many unknown fields", "/members",
            $"{{{ValidMember},{string.Join(',', Enumerable.Range(0, 2_000).Select(i => $"\"f{i}\":{i}"))}}}", 400, ValidationFailed));

        // A property named twice (parsers disagree on which value wins): refused, naming the second name, in any letter case.
        foreach (var (label, body, field) in new[]
        {
            ("name twice", $"{{{ValidMember},\"name\":\"Mallory\"}}", "name"),
            ("name twice, same value", $"{{{ValidMember},\"name\":\"Ada\"}}", "name"),
            ("email twice", $"{{{ValidMember},\"email\":\"mallory@{Marker}.example.com\"}}", "email"),
            ("'Name' after 'name'", $"{{{ValidMember},\"Name\":\"Mallory\"}}", "Name"),
            ("'EMAIL' after 'email'", $"{{{ValidMember},\"EMAIL\":\"x\"}}", "EMAIL"),
            ("'PHONENUMBER' after 'phoneNumber'", $"{{{ValidMember},\"PHONENUMBER\":\"7654321\"}}", "PHONENUMBER"),
            ("'name' escaped as \\u006e", $"{{{ValidMember},\"\\u006eame\":\"Mallory\"}}", "name"),
            ("unknown field twice", $"{{{ValidMember},\"x\":1,\"X\":2}}", "X"),
            ("twice inside a nested value", $"{{\"name\":{{\"a\":1,\"a\":2}},\"email\":\"x\",\"phoneNumber\":\"1234567\"}}", "a"),
        })
        {
            Add(Post($"members: {label}", "/members", body, 400, DuplicateProperty, field));
        }
        foreach (var (label, body, field) in new[]
        {
            ("stock twice", "{\"name\":\"Spring\",\"stock\":10,\"stock\":1000000}", "stock"),
            ("name twice", "{\"name\":\"Spring\",\"stock\":10,\"name\":\"Autumn\"}", "name"),
            ("'Stock' after 'stock'", "{\"name\":\"Spring\",\"stock\":10,\"Stock\":1}", "Stock"),
            ("'NAME' after 'name'", "{\"name\":\"Spring\",\"stock\":10,\"NAME\":1}", "NAME"),
        })
        {
            Add(Post($"campaigns: {label}", "/campaigns", body, 400, DuplicateProperty, field));
        }
        foreach (var (label, body, field) in new[]
        {
            ("memberId twice", "{\"memberId\":1,\"memberId\":2}", "memberId"),
            ("'MemberId' after 'memberId'", "{\"memberId\":1,\"MemberId\":1}", "MemberId"),
            ("'memberid' after 'memberId'", "{\"memberId\":1,\"memberid\":1}", "memberid"),
        })
        {
            Add(Post($"coupons: {label}", coupons, body, 400, DuplicateProperty, field));
            Add(Post($"default coupons: {label}", "/campaigns/default/coupons", body, 400, DuplicateProperty, field));
        }

        // Wrong JSON types and missing fields.
        var wrongValues = new[] { "42", "-1.5", "true", "false", "[]", "[\"Ada\"]", "{}", "{\"value\":\"Ada\"}", "1e400" };
        foreach (var field in new[] { "name", "email", "phoneNumber" })
        {
            foreach (var value in wrongValues)
            {
                Add(Post($"members: {field} = {value}", "/members", MemberBody(field, value), 400, ValidationFailed, field));
            }
            Add(Post($"members: {field} missing", "/members", MemberBody(field, null), 400, ValidationFailed, field));
        }
        Add(Post("members: empty object", "/members", "{}", 400, ValidationFailed, "name"));
        Add(Post("members: all null", "/members", "{\"name\":null,\"email\":null,\"phoneNumber\":null}", 400, ValidationFailed, "email"));

        // Ids: memberId in a coupon request, on a campaign that does not exist and on the default one.
        var badIds = new[]
        {
            "0", "-1", "-0", "9223372036854775808", "-9223372036854775809", "99999999999999999999999999",
            "1e400", "-1e400", "1e-400", "1.5", "0.5", "\"12\"", "\"1\"", "true", "null", "[]", "[1]", "{}", "{\"id\":1}",
        };
        foreach (var id in badIds)
        {
            Add(Post($"coupons: memberId {id}", coupons, $"{{\"memberId\":{id}}}", 400, ValidationFailed, "memberId"));
            Add(Post($"default coupons: memberId {id}", "/campaigns/default/coupons", $"{{\"memberId\":{id}}}", 400, ValidationFailed, "memberId"));
        }
        Add(Post("coupons: memberId missing", coupons, "{}", 400, ValidationFailed, "memberId"));
        foreach (var id in new[] { "0", "-1", "abc", "1.5", "9223372036854775808", "99999999999999999999", "1e3", "+1", " 1", "0x10", "%00" })
        {
            Add(new($"seed coupons: /coupons/{id}", HttpMethod.Post, $"/coupons/{Uri.EscapeDataString(id)}", 400, ValidationFailed, ContentType: null, ExpectedErrorField: "memberId"));
        }

        // Campaign stock out of range or of the wrong type (with a valid name, so only the stock refuses it).
        foreach (var stock in new[] { "0", "-1", "1000001", "2147483648", "9223372036854775808", "1e400", "10.5", "\"10\"", "true", "null", "[]", "{}" })
        {
            Add(Post($"campaigns: stock {stock}", "/campaigns", $"{{\"name\":\"Spring\",\"stock\":{stock}}}", 400, ValidationFailed, "stock"));
        }
        Add(Post("campaigns: stock missing", "/campaigns", "{\"name\":\"Spring\"}", 400, ValidationFailed, "stock"));
        Add(Post("campaigns: name missing", "/campaigns", "{\"stock\":10}", 400, ValidationFailed, "name"));
        Add(Post("campaigns: name 51 characters", "/campaigns", $"{{\"name\":\"{new string('x', 51)}\",\"stock\":10}}", 400, ValidationFailed, "name"));

        // Hostile strings in every field, each in a body that is invalid for another reason too.
        foreach (var (label, value) in HostileStrings)
        {
            var s = Json(value);
            // A name that is not valid Unicode refuses the whole body (malformed JSON), others are unknown fields.
            var asName = IsValidUnicode(value) ? ValidationFailed : MalformedJson;
            Add(Post($"members: {label} in every field", "/members", $"{{\"name\":{s},\"email\":{s},\"phoneNumber\":{s}}}", 400, ValidationFailed, "email"));
            Add(Post($"members: {label} as a field name", "/members", $"{{{s}:{s},\"email\":\"not-an-address\"}}", 400, asName,
                IsValidUnicode(value) ? "email" : null));
            Add(Post($"coupons: {label} as a field name", coupons, $"{{{s}:1}}", 400, asName));
            Add(Post($"campaigns: {label} as name", "/campaigns", $"{{\"name\":{s},\"stock\":0}}", 400, ValidationFailed, "stock"));
            Add(Post($"coupons: {label} as memberId", coupons, $"{{\"memberId\":{s}}}", 400, ValidationFailed, "memberId"));
            if (PathSegment(value) is { } segment)
            {
                // An empty id leaves "/campaigns/", the route that takes a POST.
                Add(value.Contains('\0', StringComparison.Ordinal)
                    ? new($"get campaign: {label} as id", HttpMethod.Get, $"/campaigns/{segment}", 400, null, RefusedByServer: true)
                    : segment.Length == 0
                        ? new($"get campaign: {label} as id", HttpMethod.Get, "/campaigns/", 405, MethodNotAllowed)
                        : Get($"get campaign: {label} as id", $"/campaigns/{segment}", 404, CampaignNotFound));
            }
        }

        // Not JSON, not an object, too deep.
        foreach (var (label, body, type) in new[]
        {
            ("not JSON", "name=Ada", MalformedJson), ("empty body", "", MalformedJson), ("truncated", "{\"name\":\"Ada\"", MalformedJson),
            ("trailing garbage", "{} {}", MalformedJson), ("single quotes", "{'name':'Ada'}", MalformedJson), ("comments", "{/* x */}", MalformedJson),
            ("trailing comma", "{\"name\":\"Ada\",}", MalformedJson), ("NaN", "{\"memberId\":NaN}", MalformedJson),
            ("unquoted key", "{name:\"Ada\"}", MalformedJson), ("raw control char", "{\"name\":\"A\u0001\"}", MalformedJson),
            ("invalid escape", "{\"name\":\"\\x41\"}", MalformedJson), ("short unicode escape", "{\"name\":\"\\u12\"}", MalformedJson),
            ("array", "[]", NotAnObject), ("string", "\"Ada\"", NotAnObject), ("number", "42", NotAnObject), ("null", "null", NotAnObject),
            ("true", "true", NotAnObject),
            ("depth 10,000 arrays", "{\"name\":" + new string('[', 10_000) + new string(']', 10_000) + "}", MalformedJson),
            ("depth 10,000 objects", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000), MalformedJson),
            ("depth 10,000 unclosed", new string('[', 10_000), MalformedJson),
        })
        {
            Add(Post($"members: {label}", "/members", body, 400, type));
            Add(Post($"campaigns: {label}", "/campaigns", body, 400, type));
            Add(Post($"coupons: {label}", coupons, body, 400, type));
        }
        foreach (var (label, bytes) in new (string, byte[])[]
        {
            ("lone continuation byte", [0x80]), ("overlong slash", [0xC0, 0xAF]), ("encoded surrogate", [0xED, 0xA0, 0x80]),
            ("truncated sequence", [0xE2, 0x82]), ("invalid byte", [0xFF]),
        })
        {
            var raw = Encoding.UTF8.GetBytes("{\"name\":\"").Concat(bytes).Concat(Encoding.UTF8.GetBytes("\",\"email\":\"x\"}")).ToArray();
            // The document parses (JSON's grammar holds), and reading the field finds the bytes are not text.
            Add(new($"members: invalid UTF-8 ({label})", HttpMethod.Post, "/members", 400, ValidationFailed, ExpectedErrorField: "name", RawBody: raw));
        }

        // Wrong or missing content type, with bodies that would otherwise be valid where that is safe.
        foreach (var type in new[] { null, "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/jsonx", "json", "application/octet-stream" })
        {
            var name = type ?? "no content type";
            Add(new($"members: {name}", HttpMethod.Post, "/members", 400, NotJson, $"{{{ValidMember}}}", type));
            Add(new($"campaigns: {name}", HttpMethod.Post, "/campaigns", 400, NotJson, "{\"name\":\"Spring\",\"stock\":10}", type));
            Add(new($"coupons: {name}", HttpMethod.Post, coupons, 400, NotJson, "{\"memberId\":1}", type));
        }
        foreach (var type in new[] { "application/merge-patch+json", "application/json; charset=utf-16", "application/problem+json" })
        {
            Add(new($"members: {type} with an invalid body", HttpMethod.Post, "/members", 400, ValidationFailed, "{\"name\":\"Ada\"}", type, ExpectedErrorField: "email"));
        }

        // Bodies over 64 KiB, announced and chunked, on every route that takes a POST (and one that does not exist:
        // an announced length is refused before routing, a chunked body is not read there, so routing answers).
        var big = new string(' ', 70_000);
        foreach (var path in new[] { "/members", "/campaigns", coupons, "/campaigns/default/coupons", "/no-such-route" })
        {
            Add(new($"oversized: {path}", HttpMethod.Post, path, 413, TooLarge, $"{{{ValidMember}{big}}}"));
            Add(path == "/no-such-route"
                ? new($"oversized chunked: {path}", HttpMethod.Post, path, 404, NotFound, $"{{{ValidMember}{big}}}", Chunked: true)
                : new($"oversized chunked: {path}", HttpMethod.Post, path, 413, TooLarge, $"{{{ValidMember}{big}}}", Chunked: true));
        }
        Add(new("oversized: 1 MB string", HttpMethod.Post, "/members", 413, TooLarge, $"{{\"name\":\"{new string('x', 1_000_000)}\"}}"));

        // Bad Idempotency-Keys on an otherwise valid registration: the key alone must refuse it.
        foreach (var (label, key) in new[]
        {
            ("empty", ""), ("101 characters", new string('k', 101)), ("4,000 characters", new string('k', 4_000)),
            ("tab", "tab\tkey"), ("DEL", "del\u007F"), ("unit separator", "key\u001F"),
        })
        {
            Add(new($"idempotency key: {label}", HttpMethod.Post, "/members", 400, InvalidKey, $"{{{ValidMember}}}", IdempotencyKey: key));
        }

        // Unknown routes and wrong methods on known ones.
        foreach (var path in new[]
        {
            "/", "/member", "/api/members", "/members/1/extra", "/campaigns/x/coupons/1/extra", "/coupons", "/members/registrations",
            "/members/registrations/", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/openapi/v2.json", "/.env", "/admin",
        })
        {
            Add(Get($"unknown route: GET {path}", path, 404, NotFound));
        }
        Add(Post("unknown route: POST /api/members", "/api/members", $"{{{ValidMember}}}", 404, NotFound));
        foreach (var (method, path) in new[]
        {
            ("GET", "/members"), ("PUT", "/members"), ("DELETE", "/members"), ("PATCH", "/members"),
            ("POST", "/members/1"), ("DELETE", "/members/1"), ("PUT", "/members/registrations/6f9619ff-8b86-d011-b42d-00c04fc964ff"),
            ("GET", "/campaigns"), ("DELETE", "/campaigns"), ("PUT", "/campaigns/default"), ("DELETE", "/campaigns/default"),
            ("GET", "/campaigns/default/coupons"), ("PUT", "/campaigns/default/coupons"), ("DELETE", "/campaigns/default/coupons/1"),
            ("GET", "/coupons/1"), ("DELETE", "/coupons/1"), ("TRACE", "/members"),
        })
        {
            Add(new($"wrong method: {method} {path}", new HttpMethod(method), path, 405, MethodNotAllowed, ContentType: null));
        }

        // Bad path values: refused by the route's constraint (404 not-found) or looked up and not found.
        foreach (var (path, type) in new[]
        {
            ("/members/abc", NotFound), ("/members/-1", MemberNotFound), ("/members/0", MemberNotFound),
            ("/members/99999999999999999999", NotFound), ("/members/9223372036854775808", NotFound),
            ("/members/1.5", NotFound), ("/members/1e3", NotFound), ("/members/%20", NotFound), ($"/members/{new string('9', 300)}", NotFound),
            ("/members/registrations/not-a-guid", NotFound), ("/members/registrations/00000000-0000-0000-0000-00000000000g", NotFound),
            ("/members/registrations/%7B%7D", NotFound), ($"/members/registrations/{new string('a', 300)}", NotFound),
            ($"/campaigns/{new string('c', 300)}", CampaignNotFound), ("/campaigns/%FF", CampaignNotFound), ("/campaigns/%ED%A0%80", CampaignNotFound),
            ($"{coupons}/abc", NotFound), ($"{coupons}/-1", CampaignNotFound), ($"{coupons}/99999999999999999999", NotFound),
            ("/campaigns/default/coupons/0", CouponNotFound),
        })
        {
            Add(Get($"bad path: GET {path}", path, 404, type));
        }
        foreach (var (label, segment) in new[]
        {
            ("<300 chars>", new string('c', 300)), ("<2,000 chars>", new string('c', 2_000)),
            ("<script>", Uri.EscapeDataString("<script>")), ("' OR 1=1", Uri.EscapeDataString("' OR '1'='1")),
        })
        {
            Add(Post($"bad path: POST /campaigns/{label}/coupons", $"/campaigns/{segment}/coupons", "{\"memberId\":1}", 404, CampaignNotFound));
        }
        // Kestrel refuses a path with an encoded NUL before the application sees it: a bare 400 without a body.
        Add(new("bad path: GET /members/%00", HttpMethod.Get, "/members/%00", 400, null, RefusedByServer: true));
        Add(new("bad path: POST /campaigns/%00/coupons", HttpMethod.Post, "/campaigns/%00/coupons", 400, null, "{\"memberId\":1}", RefusedByServer: true));

        return cases;
    }

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
}
