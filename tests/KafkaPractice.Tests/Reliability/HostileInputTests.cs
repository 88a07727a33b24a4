using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using KafkaPractice.Messaging;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using Xunit.Abstractions;

namespace KafkaPractice.Tests.Reliability;

/// <summary>
/// The hostile-input corpus (<see cref="HostileCorpus"/>) against the running system: every one must be answered with the
/// 4xx status and problem type the contract fixes for it (never a 5xx), and none may leave
/// anything behind in MySQL or Kafka.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class HostileInputTests(AppHostFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_hostile_request_is_a_4xx_problem_and_writes_nothing()
    {
        var appdb = await fixture.GetConnectionStringAsync("appdb");
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var before = await SettledSnapshotAsync(appdb, kafka);

        var corpus = HostileCorpus.Cases();
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var answers = new SortedDictionary<string, int>(StringComparer.Ordinal);
        // With the admin key, so the POST /campaigns cases reach the body checks they are about (the other endpoints ignore it).
        using var api = fixture.CreateAdminApiClient();
        foreach (var c in corpus)
        {
            try
            {
                var (status, slug, failure) = await SendAsync(api, c);
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var answer = $"{status} {slug ?? "(no body)"}";
                answers[answer] = answers.GetValueOrDefault(answer) + 1;
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
        // Status and problem slug as answered (the table a change to body handling is compared by).
        foreach (var (answer, count) in answers)
        {
            output.WriteLine($"  {answer}: {count}");
        }

        // Anything the corpus let into Kafka is in MySQL once the worker has caught up.
        Assert.True(await KafkaEndOffsets.WaitForWorkerCaughtUpAsync(kafka, TimeSpan.FromSeconds(60)), "The worker did not catch up with Kafka after the corpus ran.");
        var after = await SnapshotAsync(appdb, kafka);
        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} cases failed:\n" + string.Join('\n', failures));
        Assert.Equal(before, after);
    }

    /// <summary>The bodies the corpus sends are the ones the API describes: each endpoint's schema names exactly its fields, all required.</summary>
    [Fact]
    public async Task The_OpenAPI_document_describes_every_request_body()
    {
        using var api = fixture.CreateApiClient();
        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var (path, fields) in new[]
        {
            ("/members", new[] { "name", "email", "phoneNumber" }),
            ("/campaigns", ["name", "stock"]),
            ("/campaigns/{campaignId}/coupons", ["memberId"]),
        })
        {
            var operation = document.GetProperty("paths").GetProperty(path).GetProperty("post");
            var reference = operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json")
                .GetProperty("schema").GetProperty("$ref").GetString()!;
            var schema = schemas.GetProperty(reference[(reference.LastIndexOf('/') + 1)..]);
            Assert.Equal(fields, schema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
            Assert.Equal(fields, schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
            foreach (var status in new[] { "400", "413", "503" })
            {
                Assert.True(operation.GetProperty("responses").TryGetProperty(status, out _), $"POST {path} does not describe {status}");
            }
        }
    }

    private static async Task<(int Status, string? Slug, string? Failure)> SendAsync(HttpClient api, HostileCorpus.HostileRequest c)
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
            return (status, null, $"is not a 4xx: {Truncate(await response.Content.ReadAsStringAsync(), 300)}");
        }
        if (status != c.ExpectedStatus)
        {
            return (status, null, $"expected {c.ExpectedStatus} {c.ExpectedType}: {Truncate(await response.Content.ReadAsStringAsync(), 300)}");
        }
        if (c.RefusedByServer)
        {
            return (status, null, status == 400 ? null : "expected Kestrel's 400");
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return (status, null, $"Content-Type is '{response.Content.Headers.ContentType}'");
        }
        JsonElement problem;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        catch (JsonException ex)
        {
            return (status, null, $"body is not JSON: {ex.Message}");
        }
        if (problem.ValueKind != JsonValueKind.Object
            || !problem.TryGetProperty("status", out var statusProperty)
            || statusProperty.ValueKind != JsonValueKind.Number
            || statusProperty.GetInt32() != status)
        {
            return (status, null, $"body 'status' does not match: {Truncate(problem.GetRawText(), 300)}");
        }
        var type = problem.TryGetProperty("type", out var typeProperty) && typeProperty.ValueKind == JsonValueKind.String ? typeProperty.GetString() : null;
        var slug = type is not null && type.StartsWith(HostileCorpus.ProblemTypeBase, StringComparison.Ordinal) ? type[HostileCorpus.ProblemTypeBase.Length..] : type;
        if (type != HostileCorpus.ProblemTypeBase + c.ExpectedType)
        {
            return (status, slug, $"type is '{type}', expected '{c.ExpectedType}': {Truncate(problem.GetRawText(), 300)}");
        }
        if (c.ExpectedErrorField is { } field
            && (!problem.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object || !errors.TryGetProperty(field, out _)))
        {
            return (status, slug, $"no error for field '{Truncate(field)}': {Truncate(problem.GetRawText(), 300)}");
        }
        return (status, slug, null);
    }

    public sealed record Snapshot(long Members, long Registrations, long Campaigns, long Coupons, long CreateMemberEnd, long CreateCouponEnd);

    /// <summary>
    /// A snapshot once the system is quiet: records an earlier test left in flight may still be
    /// on their way to MySQL, so wait until the worker has committed everything Kafka holds.
    /// </summary>
    private static async Task<Snapshot> SettledSnapshotAsync(string appdb, string kafka)
    {
        Assert.True(await KafkaEndOffsets.WaitForWorkerCaughtUpAsync(kafka, TimeSpan.FromSeconds(60)), "The worker did not catch up with Kafka before the corpus ran.");
        return await SnapshotAsync(appdb, kafka);
    }

    private static async Task<Snapshot> SnapshotAsync(string appdb, string kafka) => new(
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members"),
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM member_registrations"),
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM campaigns"),
        await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM coupons"),
        KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateMember),
        KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateCoupon));

    private static string Truncate(string value, int max = 80) =>
        value.Length <= max ? value : value[..max] + $"...({value.Length} chars)";
}
