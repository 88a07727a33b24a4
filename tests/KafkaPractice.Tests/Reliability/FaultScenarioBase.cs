using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Tests.Coupons;
using KafkaPractice.Tests.Infrastructure;
using KafkaPractice.Tests.Members;
using MySqlConnector;
using Xunit.Abstractions;

namespace KafkaPractice.Tests.Reliability;

/// <summary>
/// Faults injected into the running system while a steady mixed load runs, one scenario per test (the scenarios are in the derived classes, one system each);
/// afterwards the recorded history is checked against MySQL, Redis and Kafka:
/// every 202 is in MySQL exactly once, refused requests left nothing, coupons never exceed the
/// stock, nothing answered 5xx but the documented 503, and the system recovered by itself within
/// <see cref="RecoveryBound"/>. Each scenario's figures go to the test output and to
/// <c>artifacts/reliability/</c> (the table in docs/reliability.md comes from there).
/// </summary>
public abstract class FaultScenarioBase(AppHostFixture fixture, ITestOutputHelper output)
{
    protected AppHostFixture Fixture => fixture;

    protected ITestOutputHelper Output => output;

    /// <summary>The stated recovery time: from the fault's end to the API answering again, and to MySQL holding every accepted request.</summary>
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    protected const int RegistrationsPerSecond = 40;
    protected const int CouponsPerSecond = 25;
    protected static readonly TimeSpan LoadBefore = TimeSpan.FromSeconds(4);
    protected static readonly TimeSpan LoadAfter = TimeSpan.FromSeconds(6);

    public enum Unavailability
    {
        /// <summary>Every request is answered definitely at the first attempt.</summary>
        None,

        /// <summary>The process serving the API is down for a while: requests must go unanswered or be refused with 503.</summary>
        Interrupted,

        /// <summary>The fault must show as 503s.</summary>
        Required,

        /// <summary>
        /// One of several API replicas is down: requests it was serving may be cut off (and are
        /// retried, a keyed one hearing 409 idempotency-key-in-flight until its claim expires);
        /// the others keep answering, so no disruption is required either.
        /// </summary>
        Tolerated,
    }

    public sealed record Scenario(
        string Name,
        string Fault,
        TimeSpan Hold,
        Func<MixedLoad, Task> Inject,
        Func<Task> Clear,
        Unavailability Unavailability = Unavailability.None,
        int ExpectedDeadLetters = 0,
        Func<Task>? Before = null,
        Func<MixedLoad, Task>? Effect = null,
        Func<Task>? AfterClear = null,
        Func<Task<IReadOnlyList<Uri>>>? LoadTargets = null);

    protected async Task RunAsync(Scenario scenario)
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var appdb = await fixture.GetConnectionStringAsync("appdb");
        using var api = fixture.CreateApiClient();

        var loadSeconds = (LoadBefore + scenario.Hold + LoadAfter).TotalSeconds;
        var expectedCoupons = (int)(CouponsPerSecond * loadSeconds);
        // Stock for about two thirds of the coupon requests: the campaign sells out during the run.
        var stock = expectedCoupons * 2 / 3;
        var members = await CouponsApiClient.SeedMembersAsync(fixture, expectedCoupons + (CouponsPerSecond * 5));
        var campaignId = await fixture.CreateCampaignAsync(stock, "Fault scenario");
        var deadLettersBefore = DeadLetterCount(kafka);
        var recordsBefore = RecordCount(kafka);

        // The shared endpoint, unless the scenario needs the load on particular instances.
        IReadOnlyList<Uri> targets = scenario.LoadTargets is { } choose ? await choose() : [fixture.App.GetEndpoint("producer-api", "http")];
        await using var load = new MixedLoad(targets, campaignId, members, RegistrationsPerSecond, CouponsPerSecond);
        load.Start();
        await Task.Delay(LoadBefore);
        Assert.True(load.Answered(202) > 0, "The load had no request accepted before the fault.");

        // Every fault must show that it happened (a resource in a terminal state, a refused
        // connection, a lag, moved leaders, lost keys, refused requests), or the scenario proves nothing.
        if (scenario.Before is not null)
        {
            await scenario.Before();
        }
        var injectedAt = load.Now;
        await scenario.Inject(load);
        var hold = Task.Delay(scenario.Hold);
        if (scenario.Effect is not null)
        {
            await scenario.Effect(load);
        }
        await hold;
        await scenario.Clear();
        var clearedAt = load.Now;
        if (scenario.AfterClear is not null)
        {
            await scenario.AfterClear();
        }
        await Task.Delay(LoadAfter);
        await load.StopAsync();
        var loadEndedAt = load.Now;

        var requests = load.Requests.ToList();
        var attempts = requests.SelectMany(r => r.Attempts).ToList();
        var figures = new StringBuilder();

        // 1. The answers: a definite one for every request, no 5xx but the documented 503.
        var unanswered = requests.Where(r => r.Outcome == "unanswered").ToList();
        Assert.True(unanswered.Count == 0, $"{unanswered.Count} request(s) had no definite answer after {MixedLoad.GiveUpAfter}.");
        var serverErrors = attempts.Where(a => a.Status >= 500 && !(a.Status == 503 && a.ProblemJson && a.RetryAfter && a.Slug == "service-unavailable")).ToList();
        if (serverErrors.Count > 0)
        {
            // What the API logged is what says why: the answer's body names only the problem type.
            Assert.Fail($"5xx answers other than the documented 503: {Describe(serverErrors)}{await ApiLogsAsync()}");
        }
        var disruptions = attempts.Where(MixedLoad.IsRetryable).ToList();
        switch (scenario.Unavailability)
        {
            case Unavailability.None:
                if (disruptions.Count > 0)
                {
                    Assert.Fail($"Requests were refused or dropped during this fault: {Describe(disruptions)}{await ApiLogsAsync()}");
                }
                break;
            case Unavailability.Required:
                Assert.Contains(disruptions, a => a.Status == 503);
                if (!disruptions.All(a => a.Status == 503))
                {
                    Assert.Fail($"Only 503s were expected: {Describe(disruptions)}{await ApiLogsAsync()}");
                }
                break;
            case Unavailability.Tolerated:
                // Whatever was cut off was retried to a definite answer (checked above), and the
                // recovery bound below holds.
                break;
            case Unavailability.Interrupted:
                Assert.True(disruptions.Any(a => a.Status is 0 or 503), "No request went unanswered or was refused while the API was down.");
                break;
        }
        var recovery = disruptions.Count == 0 ? TimeSpan.Zero : Max(TimeSpan.Zero, disruptions.Max(a => a.AnsweredAt) - clearedAt);
        Assert.True(recovery <= RecoveryBound, $"The API answered 503 or dropped requests until {recovery.TotalSeconds:F1} s after the fault ended.");

        var registrations = requests.Where(r => r.Kind == RequestKind.Registration).ToList();
        var invalid = requests.Where(r => r.Kind == RequestKind.InvalidRegistration).ToList();
        var coupons = requests.Where(r => r.Kind == RequestKind.Coupon).ToList();
        AssertOutcomes(registrations, "202");
        AssertOutcomes(invalid, "400 validation-failed");
        AssertOutcomes(coupons, "202", "409 sold-out", "409 already-issued");

        // 2. MySQL: every accepted registration once, under its registration id; nothing for the refused ones.
        var accepted = registrations.ToDictionary(r => r.Email, r => r.RegistrationId ?? throw new InvalidOperationException("A 202 without a registration id."));
        var winners = coupons.Where(r => r.Outcome == "202").Select(r => r.MemberId).ToHashSet();
        var caughtUp = await WaitForRowsAsync(appdb, load, clearedAt, accepted, invalid, campaignId, winners);
        var memberRows = await MemberRowsAsync(appdb, load.Tag);
        Assert.Equal(accepted.Count, memberRows.Count);
        foreach (var (email, registrationId) in accepted)
        {
            Assert.True(memberRows.TryGetValue(email, out var row), $"The accepted registration of {email} has no member row.");
            Assert.Equal(registrationId, row);
        }
        Assert.DoesNotContain(invalid, r => memberRows.ContainsKey(r.Email));
        Assert.Equal(accepted.Count, await MembersApiClient.ScalarAsync(appdb,
            "SELECT COUNT(*) FROM member_registrations r JOIN members m ON m.registration_id = r.registration_id WHERE m.email_key LIKE @tag AND r.status = 'Completed'",
            ("@tag", load.Tag + "-%")));

        // 3. Coupons: never above the stock; every 202 has its row; no row for a sold-out answer.
        var couponRows = (await CouponsApiClient.CouponMembersAsync(fixture, campaignId)).ToHashSet();
        var alreadyIssued = coupons.Where(r => r.Outcome == "409 already-issued").Select(r => r.MemberId).ToHashSet();
        var soldOut = coupons.Where(r => r.Outcome == "409 sold-out").Select(r => r.MemberId).ToList();
        Assert.True(couponRows.Count <= stock, $"{couponRows.Count} coupons issued on a stock of {stock}.");
        Assert.True(winners.Count <= stock, $"{winners.Count} coupon requests accepted on a stock of {stock}.");
        Assert.Subset(couponRows, winners);
        // Each member asks once, so "already issued" can only answer a retry whose first attempt got the coupon.
        Assert.Subset(couponRows, alreadyIssued);
        Assert.Superset(couponRows, winners.Union(alreadyIssued).ToHashSet());
        Assert.DoesNotContain(soldOut, couponRows.Contains);
        // Redis's count agrees with MySQL once uncertain reservations are settled: no slot leaked or double-counted.
        var issued = await WaitForIssuedAsync(api, campaignId, couponRows.Count);
        Assert.Equal(couponRows.Count, issued);

        // 4. Kafka: the dead-letter topics grew by exactly the poison written, nothing else.
        var deadLetters = await WaitForDeadLettersAsync(kafka, deadLettersBefore, scenario.ExpectedDeadLetters);
        Assert.Equal(scenario.ExpectedDeadLetters, deadLetters);
        // Records beyond one per 202 are attempts that landed although their client heard 503 or
        // nothing, and retries of them: the consumer wrote each request once all the same.
        var records = RecordCount(kafka) - recordsBefore - scenario.ExpectedDeadLetters;

        var result = new ScenarioResult(
            scenario.Name,
            scenario.Fault,
            $"{RegistrationsPerSecond} registrations/s (1 in 10 invalid) + {CouponsPerSecond} coupon requests/s, {loadSeconds:F0} s; stock {stock}",
            Requests: requests.Count,
            Attempts: attempts.Count,
            Accepted: requests.Count(r => r.Outcome == "202"),
            Refused: requests.Count(r => r.Outcome.StartsWith('4')),
            Answered503: attempts.Count(a => a.Status == 503),
            NoAnswer: attempts.Count(a => a.Status == 0),
            MemberRows: memberRows.Count,
            CouponRows: couponRows.Count,
            DeadLettered: deadLetters,
            RecordsWritten: records,
            FaultSeconds: Math.Round((clearedAt - injectedAt).TotalSeconds, 1),
            FirstDisruptionSeconds: disruptions.Count == 0 ? null : Math.Round((disruptions.Min(a => a.AnsweredAt) - injectedAt).TotalSeconds, 1),
            RefusedForSeconds: disruptions.Count == 0 ? 0 : Math.Round((disruptions.Max(a => a.AnsweredAt) - disruptions.Min(a => a.SentAt)).TotalSeconds, 1),
            ApiRecoverySeconds: Math.Round(recovery.TotalSeconds, 1),
            SlowestAnswerSeconds: Math.Round(attempts.Max(a => a.AnsweredAt - a.SentAt).TotalSeconds, 1),
            ApiRecoverySecondsByKind: requests
                .GroupBy(r => r.Kind)
                .ToDictionary(g => g.Key.ToString(), g => g.SelectMany(r => r.Attempts).Where(MixedLoad.IsRetryable).Select(a => Math.Round(Max(TimeSpan.Zero, a.AnsweredAt - clearedAt).TotalSeconds, 1)).DefaultIfEmpty(0).Max()),
            RowsCaughtUpSeconds: Math.Round((caughtUp - clearedAt).TotalSeconds, 1),
            RowsCaughtUpAfterLoadSeconds: Math.Round(Max(TimeSpan.Zero, caughtUp - loadEndedAt).TotalSeconds, 1),
            LoadSecondsAfterFault: Math.Round((loadEndedAt - clearedAt).TotalSeconds, 1),
            Outcomes: requests.GroupBy(r => $"{r.Kind}: {r.Outcome}").OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()));
        Report(result);
    }

    /// <summary>The API processes whose logs say why a scenario failed: the resource, or each of its replicas.</summary>
    protected virtual IReadOnlyList<string> ApiInstances => ["producer-api"];

    private async Task<string> ApiLogsAsync()
    {
        var logs = await Task.WhenAll(ApiInstances.Select(i => fixture.RecentLogAsync(i, 120)));
        return string.Concat(logs);
    }

    protected static void AssertOutcomes(List<LoadRequest> requests, params string[] allowed)
    {
        var unexpected = requests.Where(r => !allowed.Contains(r.Outcome)).GroupBy(r => r.Outcome).Select(g => $"{g.Key} x{g.Count()}").ToList();
        Assert.True(unexpected.Count == 0, $"{requests.FirstOrDefault()?.Kind} answers other than {string.Join(" / ", allowed)}: {string.Join(", ", unexpected)}");
    }

    protected static string Describe(List<Attempt> attempts) =>
        string.Join(", ", attempts.GroupBy(a => (a.Status, a.Slug, a.Error)).Select(g => $"{g.Key.Status} {g.Key.Slug}{g.Key.Error} x{g.Count()}"));

    protected static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// Polls MySQL until every accepted registration and coupon is there; returns the load clock at
    /// that moment. The bound runs from the moment the fault was cleared, as stated, not from the
    /// end of the load and its retries (which would add up to <see cref="MixedLoad.GiveUpAfter"/>).
    /// </summary>
    protected static async Task<TimeSpan> WaitForRowsAsync(string appdb, MixedLoad load, TimeSpan clearedAt, Dictionary<string, Guid> accepted, List<LoadRequest> invalid, string campaignId, HashSet<long> winners)
    {
        var deadline = clearedAt + RecoveryBound;
        while (true)
        {
            var members = await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members WHERE email_key LIKE @tag", ("@tag", load.Tag + "-%"));
            var coupons = await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM coupons WHERE campaign_id = @c", ("@c", campaignId));
            if (members >= accepted.Count && coupons >= winners.Count)
            {
                var caughtUp = load.Now;
                Assert.True(caughtUp <= deadline,
                    $"MySQL caught up {(caughtUp - clearedAt).TotalSeconds:F1} s after the fault's end, beyond the {(deadline - clearedAt).TotalSeconds} s bound.");
                return caughtUp;
            }
            Assert.True(load.Now < deadline,
                $"MySQL did not catch up within {RecoveryBound.TotalSeconds} s of the fault's end: {members} of {accepted.Count} members, {coupons} of {winners.Count} coupons ({invalid.Count} invalid requests sent).");
            await Task.Delay(200);
        }
    }

    protected static async Task<Dictionary<string, Guid>> MemberRowsAsync(string appdb, string tag)
    {
        await using var connection = new MySqlConnection(appdb);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT email_key, registration_id FROM members WHERE email_key LIKE @tag", connection);
        command.Parameters.AddWithValue("@tag", tag + "-%");
        var rows = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0), reader.GetGuid(1));
        }
        return rows;
    }

    protected static async Task<int> WaitForIssuedAsync(HttpClient api, string campaignId, int expected)
    {
        var deadline = DateTime.UtcNow + RecoveryBound;
        while (true)
        {
            var issued = (await api.GetCampaignAsync(campaignId)).GetProperty("issued").GetInt32();
            if (issued == expected || DateTime.UtcNow > deadline)
            {
                return issued;
            }
            await Task.Delay(500);
        }
    }

    protected static long RecordCount(string kafka) =>
        KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateMember, KafkaTopology.CreateCoupon);

    protected static long DeadLetterCount(string kafka) => KafkaEndOffsets.Sum(kafka,
        KafkaTopology.Default.Topic(KafkaTopology.CreateMember).DeadLetterTopic,
        KafkaTopology.Default.Topic(KafkaTopology.CreateCoupon).DeadLetterTopic);

    protected static async Task<long> WaitForDeadLettersAsync(string kafka, long before, int expected)
    {
        var deadline = DateTime.UtcNow + RecoveryBound;
        long count;
        while ((count = DeadLetterCount(kafka) - before) < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        // Anything dead-lettered beyond the poison is written before the worker commits past it.
        Assert.True(await KafkaEndOffsets.WaitForWorkerCaughtUpAsync(kafka, RecoveryBound), "The worker did not catch up with Kafka.");
        return DeadLetterCount(kafka) - before;
    }

    /// <summary>Records no consumer can ever process: unreadable, of another contract or version, or naming rows that do not exist.</summary>
    protected static IEnumerable<(string Topic, Message<byte[], byte[]> Message)> PoisonRecords()
    {
        static Message<byte[], byte[]> Record(string? value, string? type = null, int? version = null)
        {
            var headers = new Headers();
            if (type is not null)
            {
                headers.Add(MessageHeaders.MessageType, Encoding.ASCII.GetBytes(type));
            }
            if (version is not null)
            {
                headers.Add(MessageHeaders.MessageVersion, Encoding.ASCII.GetBytes(version.Value.ToString(CultureInfo.InvariantCulture)));
            }
            return new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes("poison-" + Guid.NewGuid().ToString("N")),
                Value = value is null ? null! : Encoding.UTF8.GetBytes(value),
                Headers = headers,
            };
        }

        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        foreach (var topic in new[] { KafkaTopology.CreateMember, KafkaTopology.CreateCoupon })
        {
            yield return (topic, Record("this is not json"));
            yield return (topic, Record(""));
            yield return (topic, Record(null));
            yield return (topic, Record("[1,2,3]"));
            yield return (topic, Record("{\"version\":99}"));
            yield return (topic, Record("{\"version\":1}"));
            yield return (topic, Record("{\"version\":1,\"name\":" + new string('[', 5_000)));
            yield return (topic, Record(new string('x', 100_000)));
            yield return (topic, Record("{\"version\":1}", type: "SomethingElse", version: 1));
        }
        yield return (KafkaTopology.CreateCoupon, Record($$"""{"version":1,"campaignId":"no-such-campaign","memberId":1,"requestedAt":"{{now}}"}"""));
        yield return (KafkaTopology.CreateCoupon, Record($$"""{"version":1,"campaignId":"default","memberId":{{long.MaxValue}},"requestedAt":"{{now}}"}"""));
    }

    protected async Task ProducePoisonAsync()
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All }).Build();
        foreach (var (topic, message) in PoisonRecords())
        {
            await producer.ProduceAsync(topic, message);
        }
    }

    /// <summary>A call to the emulator's control API (faults the dashboard has no button for).</summary>
    protected async Task ControlAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = fixture.KafkaControlUrl, Timeout = TimeSpan.FromSeconds(10) };
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(path, content: null);
        }
        catch (HttpRequestException ex)
        {
            // The emulator is gone (it has stopped answering on its control port): its own last lines say why.
            var state = fixture.App.ResourceNotifications.TryGetCurrentState("kafka", out var e)
                ? $" (resource state {e.Snapshot.State?.Text}, exit code {e.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})"
                : "";
            throw new HttpRequestException($"POST {path} to the emulator failed: {ex.Message}{state}{await fixture.RecentLogAsync("kafka", lines: 120)}", ex);
        }
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode}");
        }
    }

    /// <summary>The built-in stop command, then a wait until the resource has stopped (not merely been asked to).</summary>
    protected async Task StopAsync(string resource)
    {
        await CommandAsync(resource, KnownResourceCommands.StopCommand);
        await WaitForTerminalStateAsync(resource);
    }

    protected async Task WaitForTerminalStateAsync(string resource)
    {
        using var cts = new CancellationTokenSource(RecoveryBound);
        await fixture.App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state),
            cts.Token);
    }

    /// <summary>Waits on a condition the fault must bring about, failing with <paramref name="what"/> if it does not within <see cref="RecoveryBound"/>.</summary>
    protected static Task WaitUntilAsync(Func<Task<bool>> condition, string what) =>
        Poll.UntilAsync(condition, $"The fault did not take effect: {what}.", RecoveryBound);

    /// <summary>The partition leaders a Kafka client sees in the cluster's metadata.</summary>
    protected async Task<List<int>> LeadersAsync()
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka }).Build();
        return [.. admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Where(t => t.Topic is KafkaTopology.CreateMember or KafkaTopology.CreateCoupon)
            .SelectMany(t => t.Partitions)
            .Select(p => p.Leader)];
    }

    protected async Task AssertLeadsPartitionsAsync(int broker) =>
        Assert.Contains(broker, await LeadersAsync());

    protected Task WaitForNoPartitionLedByAsync(int broker) =>
        WaitUntilAsync(async () => !(await LeadersAsync()).Contains(broker), $"broker {broker} still leads partitions in the metadata clients read");

    /// <summary>While the worker is dead, create_member grows and the tag's member rows do not: a lag.</summary>
    protected async Task WaitForLagAsync(MixedLoad load)
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var appdb = await fixture.GetConnectionStringAsync("appdb");
        var rows = await TagMemberCountAsync(appdb, load.Tag);
        var records = KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateMember);
        await WaitUntilAsync(() => Task.FromResult(KafkaEndOffsets.Sum(kafka, KafkaTopology.CreateMember) >= records + 20),
            "create_member did not grow while the worker was down");
        Assert.Equal(rows, await TagMemberCountAsync(appdb, load.Tag));
    }

    protected static Task<long> TagMemberCountAsync(string appdb, string tag) =>
        MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members WHERE email_key LIKE @tag", ("@tag", tag + "-%"));

    /// <summary>A request to the API's endpoint finds nobody serving it.</summary>
    protected async Task AssertApiRefusesAsync()
    {
        using var http = new HttpClient { BaseAddress = fixture.App.GetEndpoint("producer-api", "http"), Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync("/openapi/v1.json");
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"The API answered {(int)response.StatusCode} while it was down.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // Refused, reset or no answer: the process is gone.
        }
    }

    protected async Task AssertMySqlRefusesAsync()
    {
        var appdb = new MySqlConnectionStringBuilder(await fixture.GetConnectionStringAsync("appdb")) { ConnectionTimeout = 5, Pooling = false };
        await using var connection = new MySqlConnection(appdb.ConnectionString);
        await Assert.ThrowsAsync<MySqlException>(() => connection.OpenAsync());
    }

    private readonly string _redisMarker = "fault-marker-" + Guid.NewGuid().ToString("N");

    protected async Task SetRedisMarkerAsync()
    {
        using var redis = await CouponsApiClient.ConnectRedisAsync(fixture);
        Assert.True(await redis.GetDatabase().StringSetAsync(_redisMarker, "set before the restart"));
    }

    protected async Task AssertRedisRefusesAsync()
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(await fixture.GetConnectionStringAsync("redis"));
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 2000;
        options.ConnectRetry = 1;
        await Assert.ThrowsAsync<StackExchange.Redis.RedisConnectionException>(() => StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options));
    }

    protected async Task AssertRedisMarkerGoneAsync()
    {
        using var redis = await CouponsApiClient.ConnectRedisAsync(fixture);
        Assert.False(await redis.GetDatabase().KeyExistsAsync(_redisMarker), "Redis kept its keys across the restart: the scenario did not empty it.");
    }

    protected async Task CommandAsync(string resource, string command)
    {
        var result = await fixture.ExecuteCommandAsync(resource, command);
        Assert.True(result.Success, $"{command} on {resource}: {result.Message}");
    }

    private readonly string _foreignTemporaryTable = Path.Combine(Path.GetTempPath(), $"#sql-temptable-probe-{Guid.NewGuid():N}.MAI");

    /// <summary>
    /// A file named like another MariaDB server's temporary table, in the machine's temp folder. A
    /// mariadbd deletes every <c>#sql*</c> file in its tmpdir as it starts; sharing /tmp, a starting
    /// server deleted the tables of another one in the middle of its bootstrap (a CI run of 2026-12-03).
    /// </summary>
    protected Task PlaceForeignTemporaryTableAsync() => File.WriteAllTextAsync(_foreignTemporaryTable, "another server's temporary table");

    /// <summary>After a restart of <c>mysql</c>: the server kept to its own tmpdir and left the other's table alone.</summary>
    protected Task AssertForeignTemporaryTableKeptAsync()
    {
        try
        {
            if (TestMode.IsContainers)
            {
                return Task.CompletedTask; // the container's /tmp is its own
            }
            Assert.True(File.Exists(_foreignTemporaryTable), "The restarted MariaDB server deleted a #sql file of the machine's temp folder: it does not keep to a tmpdir of its own.");
            return Task.CompletedTask;
        }
        finally
        {
            File.Delete(_foreignTemporaryTable);
        }
    }

    protected async Task StartAsync(string resource)
    {
        await CommandAsync(resource, KnownResourceCommands.StartCommand);
        using var cts = new CancellationTokenSource(RecoveryBound);
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
    }

    /// <summary>
    /// SIGKILL to the resource's process tree (a project runs as <c>dotnet run</c> and the app under
    /// it): no shutdown hook, no offset commit, no group leave.
    /// </summary>
    protected async Task KillAsync(string resource)
    {
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var current));
        var pid = Convert.ToInt32(current.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(entireProcessTree: true);
        }
        await WaitForTerminalStateAsync(resource);
    }

    public sealed record ScenarioResult(
        string Scenario,
        string Fault,
        string Load,
        int Requests,
        int Attempts,
        int Accepted,
        int Refused,
        int Answered503,
        int NoAnswer,
        int MemberRows,
        int CouponRows,
        long DeadLettered,
        long RecordsWritten,
        double FaultSeconds,
        double? FirstDisruptionSeconds,
        double RefusedForSeconds,
        double ApiRecoverySeconds,
        double SlowestAnswerSeconds,
        Dictionary<string, double> ApiRecoverySecondsByKind,
        double RowsCaughtUpSeconds,
        double RowsCaughtUpAfterLoadSeconds,
        double LoadSecondsAfterFault,
        Dictionary<string, int> Outcomes);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    protected void Report(ScenarioResult result)
    {
        var json = JsonSerializer.Serialize(result, Indented);
        output.WriteLine(json);
        var folder = Path.Combine(RepositoryPaths.Root, "artifacts", "reliability");
        Directory.CreateDirectory(folder);
        var file = string.Concat(result.Scenario.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-')).Trim('-');
        File.WriteAllText(Path.Combine(folder, file + ".json"), json);
        // The row of the table in docs/reliability.md.
        var disrupted = result.FirstDisruptionSeconds is { } first
            ? string.Create(CultureInfo.InvariantCulture, $"{first:F1} s / {result.RefusedForSeconds:F1} s / {result.ApiRecoverySeconds:F1} s")
            : "none";
        File.WriteAllText(Path.Combine(folder, file + ".md"), string.Create(CultureInfo.InvariantCulture,
            $"| {result.Scenario} | {result.FaultSeconds:F1} s | {result.Requests:N0} ({result.Attempts:N0}) | {result.Accepted:N0} | {result.Refused:N0} | {result.Answered503:N0} | {result.NoAnswer:N0} | {disrupted} | {result.MemberRows:N0} / {result.CouponRows:N0} | {result.DeadLettered} | {result.RowsCaughtUpSeconds:F1} s ({result.RowsCaughtUpAfterLoadSeconds:F1} s) |\n"));
    }
}
