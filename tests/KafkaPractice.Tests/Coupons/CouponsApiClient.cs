using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using MySqlConnector;
using StackExchange.Redis;

namespace KafkaPractice.Tests.Coupons;

/// <summary>Helpers the coupon flow tests share: campaigns, coupon requests, members seeded in bulk, row counts.</summary>
internal static class CouponsApiClient
{
    public static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Creates a campaign as its administrator does: with the admin key.</summary>
    public static async Task<string> CreateCampaignAsync(this AppHostFixture fixture, int stock, string name = "Spring sale")
    {
        using var admin = fixture.CreateAdminApiClient();
        using var response = await admin.PostAsJsonAsync("/campaigns", new { name, stock });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("campaignId").GetString()!;
        Assert.Equal($"/campaigns/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(stock, body.GetProperty("stock").GetInt32());
        Assert.Equal(0, body.GetProperty("issued").GetInt32());
        Assert.Equal(stock, body.GetProperty("remaining").GetInt32());
        return id;
    }

    public static async Task<JsonElement> GetCampaignAsync(this HttpClient api, string campaignId)
    {
        using var response = await api.GetAsync($"/campaigns/{campaignId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static Task<HttpResponseMessage> RequestCouponAsync(this HttpClient api, string campaignId, long memberId) =>
        api.PostAsJsonAsync($"/campaigns/{campaignId}/coupons", new { memberId });

    /// <summary>Status code and problem type slug (or "" for a success) of a request; retries 503 answers until <see cref="RecoveryTimeout"/>.</summary>
    public static async Task<(int Status, string Slug)> RequestUntilAnsweredAsync(Func<Task<HttpResponseMessage>> send, Action? on503 = null)
    {
        var deadline = DateTime.UtcNow + RecoveryTimeout;
        while (true)
        {
            using var response = await send();
            var answer = await AnswerAsync(response);
            if (answer.Status != 503 || DateTime.UtcNow > deadline)
            {
                return answer;
            }
            Assert.NotNull(response.Headers.RetryAfter);
            on503?.Invoke();
            await Task.Delay(250);
        }
    }

    public static async Task<(int Status, string Slug)> AnswerAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (status < 400)
        {
            return (status, "");
        }
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var type = problem.GetProperty("type").GetString()!;
        return (status, type[(type.LastIndexOf('/') + 1)..]);
    }

    /// <summary>
    /// Inserts members straight into MySQL and the Redis member set (registering thousands through
    /// the API would only test the member flow again); returns their ids.
    /// </summary>
    public static async Task<List<long>> SeedMembersAsync(AppHostFixture fixture, int count)
    {
        var tag = "seed-" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new MySqlConnection(await fixture.GetConnectionStringAsync("appdb")))
        {
            await connection.OpenAsync();
            for (var start = 0; start < count; start += 1000)
            {
                var n = Math.Min(1000, count - start);
                var sql = new StringBuilder("INSERT INTO members (name, email, email_key, phone_number, registration_id, registered_at) VALUES ");
                for (var i = 0; i < n; i++)
                {
                    var email = $"{tag}-{start + i}@example.com";
                    sql.Append(i == 0 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture, $"('Seeded member','{email}','{email}','+82 10-0000-0000','{Guid.NewGuid():D}',UTC_TIMESTAMP(6))");
                }
                await using var command = new MySqlCommand(sql.ToString(), connection);
                await command.ExecuteNonQueryAsync();
            }
        }
        var ids = await QueryIdsAsync(fixture, "SELECT id FROM members WHERE email_key LIKE @tag", ("@tag", tag + "-%"));
        Assert.Equal(count, ids.Count);
        await using var redis = await ConnectRedisAsync(fixture);
        await redis.GetDatabase().SetAddAsync("members:ids", ids.Select(i => (RedisValue)i).ToArray());
        return ids;
    }

    /// <summary>Members registered through the real API, waited for until the consumer wrote them.</summary>
    public static async Task<List<long>> RegisterMembersAsync(HttpClient api, int count)
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var registration = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("coupon"))));
            var outcome = await api.WaitForOutcomeAsync(registration);
            Assert.Equal("Completed", outcome.GetProperty("status").GetString());
            return outcome.GetProperty("memberId").GetInt64();
        }));
        return [.. ids];
    }

    public static async Task<List<long>> CouponMembersAsync(AppHostFixture fixture, string campaignId) =>
        await QueryIdsAsync(fixture, "SELECT member_id FROM coupons WHERE campaign_id = @c", ("@c", campaignId));

    /// <summary>Polls MySQL until the campaign has <paramref name="expected"/> coupon rows (the consumer is asynchronous).</summary>
    public static async Task<List<long>> WaitForCouponRowsAsync(AppHostFixture fixture, string campaignId, int expected)
    {
        var deadline = DateTime.UtcNow + RecoveryTimeout;
        List<long> rows;
        do
        {
            rows = await CouponMembersAsync(fixture, campaignId);
            if (rows.Count >= expected)
            {
                break;
            }
            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);
        return rows;
    }

    public static async Task<ConnectionMultiplexer> ConnectRedisAsync(AppHostFixture fixture) =>
        await ConnectionMultiplexer.ConnectAsync(await fixture.GetConnectionStringAsync("redis") + ",allowAdmin=true");

    private static async Task<List<long>> QueryIdsAsync(AppHostFixture fixture, string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(await fixture.GetConnectionStringAsync("appdb"));
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }
        return ids;
    }
}
