using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using static KafkaPractice.Kafka.Emulator.Tests.WireBytes;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>
/// Joining a group as on a Kafka broker since 2.2 (KIP-394): a new dynamic member's first JoinGroup
/// gets MEMBER_ID_REQUIRED and an id, so a consumer closed while it waits to join can leave the
/// group with that id instead of leaving a member behind that holds partitions nobody reads.
/// </summary>
public sealed class GroupJoinTests : IAsyncLifetime
{
    private const string Topic = "create_member";
    private const short MemberIdRequired = 79;
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_first_join_without_a_member_id_is_answered_member_id_required_with_a_new_id(short version)
    {
        var answer = await JoinAsync(version, "raw-joiner", memberId: "", instanceId: null);

        var (error, memberId) = ReadJoinAnswer(answer);
        Assert.Equal(MemberIdRequired, error);
        Assert.StartsWith("raw-joiner-", memberId, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(memberId["raw-joiner-".Length..], out _), memberId);

        // A second first join gets another id.
        var (_, other) = ReadJoinAnswer(await JoinAsync(version, "raw-joiner", memberId: "", instanceId: null));
        Assert.NotEqual(memberId, other);
    }

    [Fact]
    public async Task Versions_before_KIP_394_and_static_members_join_without_the_extra_step()
    {
        // v3 clients do not know MEMBER_ID_REQUIRED: the mock itself answers (joined, or not the coordinator).
        var (oldError, _) = ReadJoinAnswer(await JoinAsync(3, "old-joiner", memberId: "", instanceId: null));
        Assert.NotEqual(MemberIdRequired, oldError);

        // A static member (group.instance.id) keeps its identity across restarts and skips the step.
        var (staticError, _) = ReadJoinAnswer(await JoinAsync(5, "static-joiner", memberId: "", instanceId: "worker-1"));
        Assert.NotEqual(MemberIdRequired, staticError);
    }

    [Fact]
    public async Task A_consumer_closed_while_it_waits_to_join_leaves_and_the_members_that_stay_get_all_partitions()
    {
        const string group = "closed-while-joining";
        var assignments = new BlockingCollection<int>();
        var revoked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var stayer = Task.Factory.StartNew(() =>
        {
            using var consumer = new ConsumerBuilder<string, string>(_cluster.ConsumerConfig(group))
                .SetPartitionsAssignedHandler((_, ps) => assignments.Add(ps.Count))
                .SetPartitionsRevokedHandler((_, _) => revoked.TrySetResult())
                .Build();
            consumer.Subscribe(Topic);
            while (!stop.IsCancellationRequested)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            consumer.Close();
        }, TaskCreationOptions.LongRunning);
        try
        {
            Assert.True(assignments.TryTake(out var first, TimeSpan.FromSeconds(30)), "the first consumer got no assignment");
            Assert.Equal(3, first);

            using (var joiner = new ConsumerBuilder<string, string>(_cluster.ConsumerConfig(group)).Build())
            {
                joiner.Subscribe(Topic);
                // The group's rebalance has begun (the first consumer gave up its partitions) once
                // the joiner's JoinGroup reached the coordinator, which holds it until the rebalance ends.
                var joining = Task.Run(() =>
                {
                    while (!revoked.Task.IsCompleted)
                    {
                        joiner.Consume(TimeSpan.FromMilliseconds(50));
                    }
                });
                await revoked.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await joining;
                Assert.Empty(joiner.Assignment);
                joiner.Close();
            }

            // Had the joiner's member stayed in the group, the next generation would hand it a partition
            // and the first consumer would get two until that member's session ran out.
            Assert.True(assignments.TryTake(out var next, TimeSpan.FromSeconds(30)), "the first consumer got no new assignment");
            Assert.Equal(3, next);
        }
        finally
        {
            await stop.CancelAsync();
            await stayer;
        }
    }

    /// <summary>A JoinGroup request (v0-v5, header v1) of one "range" protocol, as a pure-protocol client sends it.</summary>
    private Task<byte[]?> JoinAsync(short version, string clientId, string memberId, string? instanceId)
    {
        var body = new List<byte>();
        String(body, "raw-join-group-" + version);
        Int32(body, 6000); // session timeout
        if (version >= 1)
        {
            Int32(body, 30000); // rebalance timeout
        }
        String(body, memberId);
        if (version >= 5)
        {
            String(body, instanceId);
        }
        String(body, "consumer");
        Int32(body, 1);
        String(body, "range");
        Int32(body, 0); // empty metadata
        return _cluster.SendRawAsync(apiKey: 11, version, clientId, body.ToArray(), TimeSpan.FromSeconds(10));
    }

    /// <summary>The error code and member id of a JoinGroup answer (v2-v5, without its size prefix).</summary>
    private static (short Error, string MemberId) ReadJoinAnswer(byte[]? answer)
    {
        Assert.NotNull(answer);
        var pos = 4 + 4; // correlation id, throttle time
        var error = BinaryPrimitives.ReadInt16BigEndian(answer.AsSpan(pos));
        pos += 2 + 4; // error, generation
        ReadString(answer, ref pos); // protocol name
        ReadString(answer, ref pos); // leader
        return (error, ReadString(answer, ref pos));
    }

    private static string ReadString(byte[] s, ref int pos)
    {
        var length = BinaryPrimitives.ReadInt16BigEndian(s.AsSpan(pos));
        pos += 2;
        if (length <= 0)
        {
            return "";
        }
        var value = Encoding.UTF8.GetString(s, pos, length);
        pos += length;
        return value;
    }
}
