using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KafkaPractice.Core.Cache.Members;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;
using MySqlConnector;

namespace KafkaPractice.Tests.Members;

/// <summary>Small helpers the member flow tests share: registering, polling the status, counting rows.</summary>
internal static class MembersApiClient
{
    public static string UniqueEmail(string tag = "m") => $"{tag}-{Guid.NewGuid():N}@example.com";

    public static object Body(string email, string name = "Ada Lovelace", string phone = "+82 10-1234-5678") =>
        new { name, email, phoneNumber = phone };

    /// <summary>
    /// <c>POST /members</c>. <paramref name="sampled"/>: send a <c>traceparent</c> with that sampling
    /// flag, as a caller whose own trace is (or is not) recorded does; the services follow it, for
    /// the trace and for its log lines at Information (docs/observability.md, "Sampling").
    /// </summary>
    public static async Task<HttpResponseMessage> RegisterAsync(this HttpClient client, object body, string? idempotencyKey = null, bool? sampled = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/members") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }
        if (sampled is { } flag)
        {
            request.Headers.TryAddWithoutValidation("traceparent",
                $"00-{System.Diagnostics.ActivityTraceId.CreateRandom()}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-{(flag ? "01" : "00")}");
        }
        return await client.SendAsync(request);
    }

    public static async Task<Guid> AcceptedIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Pending", body.GetProperty("status").GetString());
        var id = body.GetProperty("registrationId").GetGuid();
        Assert.Equal($"/members/registrations/{id:D}", response.Headers.Location?.OriginalString);
        return id;
    }

    /// <summary>
    /// Waits until the worker has put <paramref name="email"/>'s hint into the API's Redis cache. It
    /// does so just after its MySQL transaction commits, so a registration can read Completed a
    /// moment before the API knows the email is taken.
    /// </summary>
    public static async Task WaitForCachedEmailAsync(AppHostFixture fixture, string email)
    {
        await using var redis = await CouponsApiClient.ConnectRedisAsync(fixture);
        var hash = MemberCache.EmailHash(email.ToLowerInvariant());
        await Poll.UntilAsync(() => redis.GetDatabase().SetContainsAsync(MemberCache.EmailHashesKey, hash),
            "The worker did not put the email into the API's cache within 60 s of completing the registration.", interval: TimeSpan.FromMilliseconds(20));
    }

    /// <summary>
    /// Takes <paramref name="email"/>'s hint out of the API's Redis cache (as a Redis loss would), so
    /// that only the worker can see a duplicate. Waits first for the cache's "built" marker: an
    /// earlier test that flushed Redis leaves the worker's rebuilder to refill the cache from MySQL
    /// within 15 s, and a rebuild still to come would put the hint straight back.
    /// </summary>
    public static async Task ForgetCachedEmailAsync(AppHostFixture fixture, string email)
    {
        await using var redis = await CouponsApiClient.ConnectRedisAsync(fixture);
        var db = redis.GetDatabase();
        await Poll.UntilAsync(() => db.KeyExistsAsync(MemberCache.BuiltMarkerKey),
            "The worker did not rebuild the member cache (its built marker is missing).", interval: TimeSpan.FromMilliseconds(100));
        Assert.True(await db.SetRemoveAsync(MemberCache.EmailHashesKey, MemberCache.EmailHash(email.ToLowerInvariant())),
            "The consumer had not recorded the email in the API's cache.");
    }

    /// <summary>Polls the status endpoint until the registration leaves Pending.</summary>
    public static async Task<JsonElement> WaitForOutcomeAsync(this HttpClient client, Guid registrationId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync($"/members/registrations/{registrationId:D}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            last = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (last.GetProperty("status").GetString() != "Pending")
            {
                return last;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Registration {registrationId} still {last} after the timeout.");
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, int? status = null, string? typeSlug = null)
    {
        var code = (int)response.StatusCode;
        Assert.InRange(code, 400, 499);
        if (status is not null)
        {
            Assert.Equal(status, code);
        }
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("status").GetInt32());
        var type = problem.GetProperty("type").GetString();
        Assert.StartsWith("https://kafkapractice.dev/problems/", type, StringComparison.Ordinal);
        if (typeSlug is not null)
        {
            Assert.EndsWith("/" + typeSlug, type, StringComparison.Ordinal);
        }
        return problem;
    }
}
