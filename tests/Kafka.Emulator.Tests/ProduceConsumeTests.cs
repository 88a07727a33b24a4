using System.Collections.Concurrent;
using System.Globalization;
using Confluent.Kafka;

namespace KafkaPractice.Kafka.Emulator.Tests;

public sealed class ProduceConsumeTests : IAsyncLifetime
{
    private const string Topic = "create_member";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Ten_thousand_records_reach_a_group_of_three_once_each_in_key_order_and_offsets_survive_restart()
    {
        const int count = 10_000;
        const string group = "order-group";
        var received = new ConcurrentQueue<(int Consumer, ConsumeResult<string, string> Record)>();
        var assigned = new ConcurrentDictionary<int, int>();
        var uncommitted = new ConcurrentDictionary<int, int>();
        using var stop = new CancellationTokenSource();

        // Three consumers share the three partitions; production starts once each holds one.
        var consumers = Enumerable.Range(0, 3).Select(i => Task.Factory.StartNew(() =>
        {
            using var consumer = new ConsumerBuilder<string, string>(_cluster.ConsumerConfig(group))
                .SetPartitionsAssignedHandler((_, ps) => assigned[i] = ps.Count)
                .SetPartitionsRevokedHandler((c, _) => { assigned[i] = 0; })
                .Build();
            consumer.Subscribe(Topic);
            var sinceCommit = 0;
            while (!stop.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (r is null)
                {
                    if (sinceCommit > 0)
                    {
                        consumer.Commit();
                        sinceCommit = 0;
                        uncommitted[i] = 0;
                    }
                    continue;
                }
                received.Enqueue((i, r));
                uncommitted[i] = ++sinceCommit;
                if (sinceCommit >= 500)
                {
                    consumer.Commit();
                    sinceCommit = 0;
                    uncommitted[i] = 0;
                }
            }
            if (sinceCommit > 0)
            {
                consumer.Commit();
            }
            consumer.Close();
        }, TaskCreationOptions.LongRunning)).ToList();

        await WaitUntil(() => assigned.Count == 3 && assigned.Values.All(n => n == 1), TimeSpan.FromSeconds(30));

        using (var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig()).Build())
        {
            var failures = 0;
            for (var i = 0; i < count; i++)
            {
                var key = "k" + (i % 100).ToString(CultureInfo.InvariantCulture);
                producer.Produce(Topic, new Message<string, string> { Key = key, Value = Seq(key, i / 100) }, d =>
                {
                    if (d.Error.IsError || d.Status != PersistenceStatus.Persisted)
                    {
                        Interlocked.Increment(ref failures);
                    }
                });
            }
            producer.Flush(TimeSpan.FromSeconds(30));
            Assert.Equal(0, failures);
        }

        await WaitUntil(() => received.Count >= count, TimeSpan.FromSeconds(60));
        // Every consumer has committed what it read (once idle): none has to commit while another
        // leaves the group, which would meet the rebalance its leaving starts.
        await WaitUntil(() => uncommitted.Values.All(n => n == 0), TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.WhenAll(consumers);
        // The log holds exactly the records produced: with all of them received, no duplicate could have followed.
        Assert.Equal(count, _cluster.ReadAll(Topic, 3, TimeSpan.FromSeconds(60)).Count);

        var records = received.ToList();
        Assert.Equal(count, records.Count);
        Assert.Equal(count, records.Select(r => r.Record.Message.Value).Distinct().Count());
        Assert.Equal(3, records.Select(r => r.Consumer).Distinct().Count());
        // Per key: one partition, sequence numbers strictly increasing with the offset.
        foreach (var byKey in records.GroupBy(r => r.Record.Message.Key))
        {
            Assert.Single(byKey.Select(r => r.Record.Partition.Value).Distinct());
            var seqs = byKey.OrderBy(r => r.Record.Offset.Value).Select(r => SeqOf(r.Record.Message.Value)).ToList();
            Assert.Equal(Enumerable.Range(0, count / 100), seqs);
        }

        // A restarted member of the group resumes at the committed offsets: it sees only new records.
        using (var producer = new ProducerBuilder<string, string>(_cluster.ProducerConfig()).Build())
        {
            for (var i = 0; i < 30; i++)
            {
                await producer.ProduceAsync(Topic, new Message<string, string> { Key = "after-" + i, Value = "after-" + i });
            }
        }
        using var restarted = new ConsumerBuilder<string, string>(_cluster.ConsumerConfig(group)).Build();
        restarted.Subscribe(Topic);
        var after = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (after.Count < 30 && DateTime.UtcNow < deadline)
        {
            var r = restarted.Consume(TimeSpan.FromMilliseconds(200));
            if (r is not null)
            {
                after.Add(r.Message.Value);
            }
        }
        restarted.Close();
        Assert.Equal(Enumerable.Range(0, 30).Select(i => "after-" + i).Order(), after.Order());
    }

    private static string Seq(string key, int seq) => key + ":" + seq.ToString(CultureInfo.InvariantCulture);

    private static int SeqOf(string value) => int.Parse(value.AsSpan(value.IndexOf(':') + 1), CultureInfo.InvariantCulture);

    internal static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Condition not met within " + timeout);
            }
            await Task.Delay(50);
        }
    }
}
