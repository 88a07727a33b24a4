using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Confluent.Kafka;
using KafkaPractice.Messaging;
using KafkaPractice.Tests.Infrastructure;

namespace KafkaPractice.Tests.Members;

/// <summary>The consumer side of the member flow: dead letters, replays and a worker restart mid-stream.</summary>
[Collection(AppHostCollection.Name)]
public sealed class MemberConsumerTests(AppHostFixture fixture)
{
    private const string Topic = "create_member";
    private const string WorkerGroup = "member-registrations";

    [Fact]
    public async Task Poison_records_go_to_the_dead_letter_topic_and_later_records_still_complete()
    {
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var notJson = "poison-json-" + Guid.NewGuid();
        var unknownVersion = "poison-version-" + Guid.NewGuid();
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All }).Build())
        {
            await producer.ProduceAsync(Topic, new Message<string, string> { Key = notJson, Value = "this is not json" });
            await producer.ProduceAsync(Topic, new Message<string, string>
            {
                Key = unknownVersion,
                Value = $$"""{"version":99,"registrationId":"{{Guid.NewGuid()}}","name":"Ada","email":"{{unknownVersion}}@example.com","phoneNumber":"1234567","requestedAt":"2025-01-01T00:00:00Z"}""",
            });
        }

        using var api = fixture.CreateApiClient();
        var valid = await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("after-poison"))));
        Assert.Equal("Completed", (await api.WaitForOutcomeAsync(valid)).GetProperty("status").GetString());

        var deadLetters = ReadUntil(kafka, Topic + ".dlt", r => r.Message.Key == notJson || r.Message.Key == unknownVersion, expected: 2);
        Assert.Equal(2, deadLetters.Count);
        foreach (var record in deadLetters)
        {
            Assert.Equal(Topic, Header(record, "dlt-original-topic"));
            Assert.Equal(WorkerGroup, Header(record, "dlt-consumer-group"));
            Assert.False(string.IsNullOrWhiteSpace(Header(record, "dlt-error")));
            Assert.True(long.TryParse(Header(record, "dlt-original-offset"), out _));
        }
        Assert.Contains("version 99", Header(deadLetters.Single(r => r.Message.Key == unknownVersion), "dlt-error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replaying_the_topic_from_offset_zero_creates_no_duplicates()
    {
        using var api = fixture.CreateApiClient();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await MembersApiClient.AcceptedIdAsync(await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("replay")))));
        }
        foreach (var id in ids)
        {
            await api.WaitForOutcomeAsync(id);
        }
        var kafka = await fixture.GetConnectionStringAsync("kafka");
        var appdb = await fixture.GetConnectionStringAsync("appdb");
        await WaitForWorkerToCatchUpAsync(kafka);
        var membersBefore = await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members");
        var outcomesBefore = await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM member_registrations");

        // Everything the topic holds, from offset 0 of every partition, delivered to the worker a second time.
        var records = ReadFromStart(kafka, Topic);
        Assert.True(records.Count >= ids.Count);
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = kafka, Acks = Acks.All }).Build())
        {
            foreach (var record in records)
            {
                producer.Produce(new TopicPartition(Topic, record.Partition), new Message<byte[], byte[]>
                {
                    Key = record.Message.Key,
                    Value = record.Message.Value,
                    Headers = record.Message.Headers,
                });
            }
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        await WaitForWorkerToCatchUpAsync(kafka);

        Assert.Equal(membersBefore, await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM members"));
        Assert.Equal(outcomesBefore, await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM member_registrations"));
        Assert.Equal(0, await MembersApiClient.ScalarAsync(appdb, "SELECT COUNT(*) FROM (SELECT email_key FROM members GROUP BY email_key HAVING COUNT(*) > 1) d"));
    }

    [Fact]
    public async Task Every_accepted_registration_is_stored_once_across_a_worker_restart()
    {
        using var api = fixture.CreateApiClient();
        var accepted = new ConcurrentBag<Guid>();
        var sent = 0;
        using var stop = new CancellationTokenSource();

        var load = Task.Run(async () =>
        {
            var senders = Enumerable.Range(0, 4).Select(async _ =>
            {
                while (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref sent);
                    using var response = await api.RegisterAsync(MembersApiClient.Body(MembersApiClient.UniqueEmail("restart")));
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        accepted.Add(await MembersApiClient.AcceptedIdAsync(response));
                    }
                    await Task.Delay(20);
                }
            });
            await Task.WhenAll(senders);
        });

        try
        {
            // The worker must be consuming (not merely started) when it is stopped.
            var firstAccepted = DateTime.UtcNow.AddSeconds(60);
            while (accepted.IsEmpty && DateTime.UtcNow < firstAccepted)
            {
                await Task.Delay(100);
            }
            Assert.False(accepted.IsEmpty, "no registration was accepted");
            await api.WaitForOutcomeAsync(accepted.First());
            var kafka = await fixture.GetConnectionStringAsync("kafka");
            var (topic, group) = KafkaEndOffsets.WorkerGroups.Single(g => g.Topic == KafkaTopology.CreateMember);

            var stopped = await fixture.ExecuteCommandAsync("consumer-worker", KnownResourceCommands.StopCommand);
            Assert.True(stopped.Success, stopped.Message);
            var restarted = false;
            try
            {
                using (var exited = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
                {
                    await fixture.App.ResourceNotifications.WaitForResourceAsync("consumer-worker",
                        e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), exited.Token);
                }
                // The worker is really down: records pile up behind its group while the API goes on accepting.
                // (A graceful stop lets it finish and commit the batch in hand; the fault suite kills it mid-batch.)
                // Other test classes register on the same system at the same time, so the lag alone does not
                // show that this test's own requests were accepted: wait for both.
                var lagAtStop = KafkaEndOffsets.Lag(kafka, topic, group);
                var acceptedAtStop = accepted.Count;
                await Poll.UntilAsync(() => KafkaEndOffsets.Lag(kafka, topic, group) >= lagAtStop + 20, "create_member did not grow while the worker was stopped");
                await Poll.UntilAsync(() => accepted.Count >= acceptedAtStop + 20, "no registration was accepted while the worker was stopped");

                var started = await fixture.ExecuteCommandAsync("consumer-worker", KnownResourceCommands.StartCommand);
                restarted = true;
                Assert.True(started.Success, started.Message);
            }
            finally
            {
                if (!restarted)
                {
                    // The system is shared with the other test classes: never leave it without its worker.
                    await fixture.ExecuteCommandAsync("consumer-worker", KnownResourceCommands.StartCommand);
                }
            }
            using (var healthy = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("consumer-worker", healthy.Token);
            }
            var acceptedAtStart = accepted.Count;
            await Poll.UntilAsync(() => accepted.Count >= acceptedAtStart + 20, "no registration was accepted after the worker started again");
            await stop.CancelAsync();
            await load;

            Assert.True(accepted.Count > 20, $"only {accepted.Count} of {sent} accepted");
            var appdb = await fixture.GetConnectionStringAsync("appdb");
            var idList = string.Join(",", accepted.Select(id => $"'{id:D}'"));
            var deadline = DateTime.UtcNow.AddSeconds(90);
            long recorded;
            do
            {
                recorded = await MembersApiClient.ScalarAsync(appdb, $"SELECT COUNT(*) FROM member_registrations WHERE registration_id IN ({idList}) AND status = 'Completed'");
                if (recorded == accepted.Count)
                {
                    break;
                }
                await Task.Delay(500);
            }
            while (DateTime.UtcNow < deadline);

            Assert.Equal(accepted.Count, recorded);
            Assert.Equal(accepted.Count, await MembersApiClient.ScalarAsync(appdb, $"SELECT COUNT(*) FROM members WHERE registration_id IN ({idList})"));
        }
        finally
        {
            // Never leave the load running against the system the other test classes share.
            await stop.CancelAsync();
        }
    }

    private static string Header(ConsumeResult<string, string> record, string name) =>
        record.Message.Headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : "";

    private static List<ConsumeResult<string, string>> ReadUntil(string kafka, string topic, Func<ConsumeResult<string, string>, bool> match, int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka,
            GroupId = "test-" + Guid.NewGuid(),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
        }).Build();
        consumer.Subscribe(topic);
        var found = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (found.Count < expected && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record is { IsPartitionEOF: false } && match(record))
            {
                found.Add(record);
            }
        }
        consumer.Close();
        return found;
    }

    private static List<ConsumeResult<byte[], byte[]>> ReadFromStart(string kafka, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka,
            GroupId = "test-replay-" + Guid.NewGuid(),
            EnableAutoCommit = false,
        }).Build();
        var partitions = PartitionsOf(kafka, topic);
        var ends = partitions.ToDictionary(p => p, p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)));
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, ends[p].Low)));
        var records = new List<ConsumeResult<byte[], byte[]>>();
        var remaining = partitions.Where(p => ends[p].High > ends[p].Low).ToHashSet();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (remaining.Count > 0 && DateTime.UtcNow < deadline)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (record is null || record.IsPartitionEOF)
            {
                continue;
            }
            if (record.Offset < ends[record.TopicPartition].High)
            {
                records.Add(record);
            }
            if (record.Offset >= ends[record.TopicPartition].High - 1)
            {
                remaining.Remove(record.TopicPartition);
            }
        }
        Assert.Empty(remaining);
        return records;
    }

    /// <summary>Waits until the worker's group has committed up to the end of every partition.</summary>
    private static async Task WaitForWorkerToCatchUpAsync(string kafka)
    {
        var partitions = PartitionsOf(kafka, Topic);
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka, GroupId = WorkerGroup, EnableAutoCommit = false }).Build();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var committed = probe.Committed(partitions, TimeSpan.FromSeconds(10));
            var behind = committed.Where(c => c.Offset.Value < probe.QueryWatermarkOffsets(c.TopicPartition, TimeSpan.FromSeconds(10)).High.Value).ToList();
            if (behind.Count == 0)
            {
                return;
            }
            await Task.Delay(500);
        }
        throw new TimeoutException("The worker did not commit to the end of create_member in time.");
    }

    private static List<TopicPartition> PartitionsOf(string kafka, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        return metadata.Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
    }
}
