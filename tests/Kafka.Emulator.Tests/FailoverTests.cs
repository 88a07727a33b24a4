using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace KafkaPractice.Kafka.Emulator.Tests;

public sealed class FailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "create_coupon";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(("Emulator:ConsumerGroups", "failover-group"));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task One_broker_stopped_mid_stream_loses_nothing_and_consumption_continues()
    {
        const int count = 4000;
        var acked = new ConcurrentDictionary<string, Offset>();
        var failures = new ConcurrentQueue<Error>();
        var consumed = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();

        var consumerTask = Task.Factory.StartNew(() =>
        {
            using var consumer = new ConsumerBuilder<string, string>(_cluster.ConsumerConfig("failover-group")).Build();
            consumer.Subscribe(Topic);
            var sinceCommit = 0;
            while (!stop.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (r is not null)
                {
                    consumed.AddOrUpdate(r.Message.Value, 1, (_, n) => n + 1);
                    sinceCommit++;
                }
                if (sinceCommit >= 200 || (r is null && sinceCommit > 0))
                {
                    try
                    {
                        consumer.Commit();
                    }
                    catch (KafkaException)
                    {
                        // A commit during a coordinator move may fail; the next one carries the position.
                    }
                    sinceCommit = 0;
                }
            }
            consumer.Close();
        }, TaskCreationOptions.LongRunning);

        var coordinatorBefore = (await _cluster.DescribeAsync()).Coordinators.Single(c => c.Key == "failover-group").BrokerId;
        var victim = coordinatorBefore; // take down the group's coordinator too
        var slowest = TimeSpan.Zero;
        using (var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig(10_000)).Build())
        {
            for (var i = 0; i < count; i++)
            {
                if (i == count / 4)
                {
                    var stopped = await _cluster.StopBrokerAsync(victim);
                    Assert.DoesNotContain(stopped.Topics.SelectMany(t => t.Partitions), p => p.Leader == victim);
                    Assert.False(stopped.ProduceRefused);
                }
                var value = "v" + i.ToString(CultureInfo.InvariantCulture);
                var started = Stopwatch.StartNew();
                producer.Produce(Topic, new Message<string, string> { Key = "k" + (i % 30), Value = value }, d =>
                {
                    if (d.Error.IsError)
                    {
                        failures.Enqueue(d.Error);
                    }
                    else
                    {
                        acked[value] = d.Offset;
                        if (started.Elapsed > slowest)
                        {
                            slowest = started.Elapsed;
                        }
                    }
                });
                if (i % 20 == 0)
                {
                    await Task.Delay(5); // a steady stream rather than one burst
                }
            }
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        output.WriteLine($"slowest ack: {slowest.TotalMilliseconds:F0} ms; coordinator was broker {coordinatorBefore}");

        Assert.Empty(failures);
        Assert.Equal(count, acked.Count);
        await ProduceConsumeTests.WaitUntil(() => acked.Keys.All(consumed.ContainsKey), TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await consumerTask;

        var described = await _cluster.DescribeAsync();
        Assert.NotEqual(victim, described.Coordinators.Single(c => c.Key == "failover-group").BrokerId);

        // The log holds every acknowledged record exactly once.
        var log = _cluster.ReadAll(Topic, 3, TimeSpan.FromSeconds(30)).Select(r => r.Message.Value).ToList();
        Assert.Equal(count, log.Count);
        Assert.Equal(acked.Keys.Order(), log.Order());
        await _cluster.StartBrokerAsync(victim);
    }

    [Fact]
    public async Task Two_brokers_stopped_time_out_acks_all_produce_and_recovery_keeps_earlier_records()
    {
        var before = new List<string>();
        using (var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig()).Build())
        {
            for (var i = 0; i < 50; i++)
            {
                var r = await producer.ProduceAsync(Topic, new Message<string, string> { Key = "b" + i, Value = "before-" + i });
                Assert.Equal(PersistenceStatus.Persisted, r.Status);
                before.Add(r.Message.Value);
            }
        }

        await _cluster.StopBrokerAsync(2);
        var described = await _cluster.StopBrokerAsync(3);
        Assert.True(described.ProduceRefused);
        Assert.All(described.Topics.SelectMany(t => t.Partitions), p => Assert.True(p.UnderMinInSync));

        // Idempotent acks=all producer: librdkafka retries NOT_ENOUGH_REPLICAS until message.timeout.ms.
        const int messageTimeoutMs = 3000;
        using (var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig(messageTimeoutMs)).Build())
        {
            var sw = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
                producer.ProduceAsync(Topic, new Message<string, string> { Key = "x", Value = "refused" }));
            sw.Stop();
            output.WriteLine($"idempotent produce failed after {sw.ElapsedMilliseconds} ms with {ex.Error.Code}");
            Assert.Equal(ErrorCode.Local_MsgTimedOut, ex.Error.Code);
            Assert.Equal(PersistenceStatus.NotPersisted, ex.DeliveryResult.Status);
            Assert.False(ex.Error.IsFatal);
            // It waited out the delivery timeout (retrying internally) instead of failing at once;
            // the upper bound only catches a hang, with room for a busy machine.
            Assert.InRange(sw.ElapsedMilliseconds, messageTimeoutMs - 500, messageTimeoutMs + 10_000);
        }

        // Without idempotence and with finite retries the broker's error itself surfaces.
        var plain = _cluster.ProducerConfig(10_000);
        plain.EnableIdempotence = false;
        plain.MessageSendMaxRetries = 2;
        plain.RetryBackoffMs = 50;
        using (var producer = new ProducerBuilder<string, string>(plain).Build())
        {
            var ex = await Assert.ThrowsAsync<ProduceException<string, string>>(() =>
                producer.ProduceAsync(Topic, new Message<string, string> { Key = "y", Value = "refused-plain" }));
            output.WriteLine($"non-idempotent produce failed with {ex.Error.Code}");
            Assert.Equal(ErrorCode.NotEnoughReplicas, ex.Error.Code);
        }

        // Consumers keep reading what is there while produce is refused.
        Assert.Equal(before.Order(), _cluster.ReadAll(Topic, 3, TimeSpan.FromSeconds(20)).Select(r => r.Message.Value).Order());

        var produceRequests = 0L;
        var config = _cluster.ProducerConfig(30_000);
        config.StatisticsIntervalMs = 100;
        using (var producer = new ProducerBuilder<string, string>(config)
            .SetStatisticsHandler((_, json) => Interlocked.Exchange(ref produceRequests, ProduceRequests(json)))
            .Build())
        {
            var pending = producer.ProduceAsync(Topic, new Message<string, string> { Key = "z", Value = "after-recovery" });
            // The one record has gone out in a second Produce request: the first was refused, not merely not sent yet.
            await ProduceConsumeTests.WaitUntil(() => Interlocked.Read(ref produceRequests) >= 2, TimeSpan.FromSeconds(30));
            Assert.False(pending.IsCompleted);
            var sw = Stopwatch.StartNew();
            await _cluster.StartBrokerAsync(2);
            var result = await pending;
            output.WriteLine($"first success {sw.ElapsedMilliseconds} ms after broker 2 started");
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
            Assert.False((await _cluster.DescribeAsync()).ProduceRefused);
            await _cluster.StartBrokerAsync(3);
        }

        var log = _cluster.ReadAll(Topic, 3, TimeSpan.FromSeconds(20)).Select(r => r.Message.Value).ToList();
        Assert.Equal(before.Append("after-recovery").Order(), log.Order());
    }

    /// <summary>The Produce requests librdkafka's statistics count over every broker connection.</summary>
    private static long ProduceRequests(string statistics)
    {
        using var document = JsonDocument.Parse(statistics);
        return document.RootElement.GetProperty("brokers").EnumerateObject()
            .Sum(b => b.Value.TryGetProperty("req", out var requests) && requests.TryGetProperty("Produce", out var n) ? n.GetInt64() : 0);
    }
}
