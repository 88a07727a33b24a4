using System.Diagnostics;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Confluent.Kafka;
using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Members;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace KafkaPractice.Bench.Scenarios;

/// <summary>
/// Section 2: with the worker stopped, a backlog of registrations is produced straight to
/// create_member (the API's record contract); then the worker starts and the harness times how
/// fast the rows appear. Reference: the same rows (member + outcome) written with multi-row
/// INSERTs, 500 per transaction, as many connections as the worker has consumers, into scratch
/// copies of the tables in the same MariaDB.
/// </summary>
public static class DrainRate
{
    private const int RowsPerTransaction = 500;
    /// <summary>A drain past its first rows usually takes under a second; longer, the worker's lines are printed.</summary>
    private static readonly TimeSpan SlowDrain = TimeSpan.FromSeconds(2);
    /// <summary>The mock drops a partition's oldest data beyond about 5 MiB; stay clear of it.</summary>
    private const double RetentionBytesPerPartition = 4.5 * 1024 * 1024;

    /// <summary>
    /// The stopped worker's consumers left the group, and the librdkafka mock ends the rebalance their
    /// leaving started only when its timer runs out (session.timeout.ms - 1 s). A worker started inside
    /// that window has some consumers in the next generation and the rest in one 5 s later, a stall of
    /// the emulator's coordinator that a broker does not have (docs/kafka-emulator.md, "Joining a
    /// group"). The drain starts once the window has passed, so it measures the worker.
    /// </summary>
    private static async Task WaitForGroupToSettleAsync(long stopped, CancellationToken cancellationToken)
    {
        var left = TimeSpan.FromMilliseconds(KafkaClientRules.DefaultSessionTimeoutMs) - Stopwatch.GetElapsedTime(stopped);
        if (left > TimeSpan.Zero)
        {
            Progress.Say($"  waiting {left.TotalSeconds:F1} s for the group's rebalance to end before the worker starts");
            await Task.Delay(left, cancellationToken);
        }
    }

    public static async Task RunAsync(BenchContext ctx, Action beforeWorkerStops, CancellationToken cancellationToken)
    {
        var o = ctx.Options;
        if (ctx.Target.App is null)
        {
            ctx.Results.Rows.Add(ResultRow.NotAvailable("2. Drain rate", "needs the harness to start the system (it stops and starts the worker)"));
            return;
        }
        var tag = $"{ctx.RunTag}d";
        var records = Enumerable.Range(0, o.Backlog).Select(i => BenchContext.MemberRecord(tag, i)).ToList();
        var partitions = KafkaTopology.Default.Topic(KafkaTopology.CreateMember).Partitions;
        var bytesPerPartition = records.Sum(r => r.Value.Length + r.Key.Length + 80.0) / partitions;
        Progress.Say($"[drain] backlog {o.Backlog:N0} registrations, ~{bytesPerPartition / 1024 / 1024:F1} MiB per partition");
        if (bytesPerPartition > RetentionBytesPerPartition)
        {
            ctx.Results.Notes.Add($"The drain backlog ({bytesPerPartition / 1024 / 1024:F1} MiB per partition) exceeds what the emulator keeps (~5 MiB per partition): rows will be missing. Use a smaller --backlog in Local mode.");
        }

        await ctx.WaitForWorkerToCatchUpAsync(cancellationToken);
        beforeWorkerStops();
        var app = ctx.Target.App;
        var stopTime = await ctx.StopWorkerAsync(cancellationToken);
        var stopped = Stopwatch.GetTimestamp();

        using (var producer = ctx.CreateProducer())
        {
            var produced = 0L;
            await using (Progress.Start("backlog produced", () => Interlocked.Read(ref produced)))
            {
                foreach (var chunk in records.Chunk(10_000))
                {
                    await Task.WhenAll(chunk.Select(async r =>
                    {
                        await producer.ProduceAsync(KafkaTopology.CreateMember, r, cancellationToken);
                        Interlocked.Increment(ref produced);
                    }));
                }
            }
        }
        ctx.CountRegistrations(records.Count);

        // The worker's own lines (assignments, batches) are kept through the drain and printed
        // when it was slow, so that a stalled drain can be read afterwards.
        var workerLines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var watching = new CancellationTokenSource();
        var watcher = WatchLinesAsync(app, SystemUnderTest.Worker, workerLines, watching.Token);
        await WaitForGroupToSettleAsync(stopped, cancellationToken);
        Progress.Say("  starting consumer-worker");
        var started = Stopwatch.GetTimestamp();
        await ctx.Target.ExecuteCommandAsync(SystemUnderTest.Worker, KnownResourceCommands.StartCommand, cancellationToken);
        CpuSampler? cpu = null;
        long rows = 0;
        long firstRows = 0;
        TimeSpan? firstSeen = null;
        TimeSpan? done = null;
        CpuUsage? drainCpu = null;
        var deadline = TimeSpan.FromMinutes(5);
        await using (Progress.Start("rows written", () => rows))
        {
            while (Stopwatch.GetElapsedTime(started) < deadline)
            {
                rows = await ctx.ScalarAsync("SELECT COUNT(*) FROM members WHERE email_key LIKE @p", cancellationToken, ("@p", $"bench-{tag}-%"));
                if (rows > 0 && firstSeen is null)
                {
                    cpu = CpuSampler.Start(ctx.Target);
                    firstSeen = Stopwatch.GetElapsedTime(started);
                    firstRows = rows;
                }
                if (rows >= records.Count)
                {
                    done = Stopwatch.GetElapsedTime(started);
                    drainCpu = cpu?.Stop();
                    break;
                }
                await Task.Delay(50, cancellationToken);
            }
        }
        await app.ResourceNotifications.WaitForResourceHealthyAsync(SystemUnderTest.Worker, cancellationToken);
        await watching.CancelAsync();
        await watcher;
        if (done is null || firstSeen is null || done.Value - firstSeen.Value > SlowDrain)
        {
            Progress.Say($"  the drain took more than {SlowDrain.TotalSeconds:F0} s after its first rows; consumer-worker's lines since its start:");
            foreach (var line in workerLines)
            {
                Progress.Say($"    {line}");
            }
        }

        var (raw, rawUsage) = await RawInsertsAsync(ctx, records, partitions, withReads: false, cancellationToken);
        Progress.Say($"  raw inserts {rawUsage}");
        var (checkedRaw, checkedUsage) = await RawInsertsAsync(ctx, records, partitions, withReads: true, cancellationToken);
        Progress.Say($"  raw inserts with the worker's reads {checkedUsage}");
        if (done is null || firstSeen is null)
        {
            ctx.Results.Rows.Add(new ResultRow("2. Drain rate", $"incomplete: {rows:N0} of {records.Count:N0} rows after {deadline.TotalMinutes:F0} min",
                $"raw multi-row INSERTs {raw:N0} rows/s", null, ""));
            return;
        }
        // From the first rows to the last: the rate once the worker runs, without its start-up and group join.
        var drainRate = (records.Count - firstRows) / (done.Value - firstSeen.Value).TotalSeconds;
        Progress.Say($"  drain {drainCpu}");
        if (drainCpu is not null)
        {
            ctx.AddCpu("2. drain", "worker drains the backlog", "registrations", records.Count - firstRows, drainCpu);
        }
        ctx.AddCpu("2. drain", $"raw multi-row INSERTs ({RowsPerTransaction}/transaction)", "registrations", records.Count, rawUsage, "harness", "mysql");
        ctx.AddComparisonCpu("2. drain", "raw INSERTs plus the worker's reads (exactly-once's own cost, not a floor)", "registrations", records.Count, checkedUsage, "harness", "mysql");
        Progress.Say($"  drained at {drainRate:N0} registrations/s (first rows {firstSeen.Value.TotalSeconds:F1} s after start, all {done.Value.TotalSeconds:F1} s); raw {raw:N0} rows/s");
        ctx.Results.Rows.Add(new ResultRow(
            $"2. Drain rate ({records.Count:N0} registrations backlog into MySQL)",
            $"{drainRate:N0} registrations/s",
            $"raw multi-row INSERTs of the same rows ({RowsPerTransaction}/transaction, {partitions} connections): {raw:N0} registrations/s",
            drainRate / raw,
            $"worker start to first rows {firstSeen.Value.TotalSeconds:F1} s (process start + group join), to last {done.Value.TotalSeconds:F1} s; the stop before took {stopTime.TotalSeconds:F1} s. " +
            $"The raw inserts with the worker's reads (which rows are new, then the new members' ids): {checkedRaw:N0} registrations/s. Drain {drainCpu}")
        {
            Values =
            {
                ["drain_rate"] = drainRate, ["raw_rate"] = raw, ["raw_with_reads_rate"] = checkedRaw, ["first_rows_s"] = firstSeen.Value.TotalSeconds,
                ["all_rows_s"] = done.Value.TotalSeconds, ["worker_stop_s"] = stopTime.TotalSeconds, ["backlog"] = records.Count,
            },
        });
    }

    /// <summary>Member and outcome rows, as the worker writes them, into scratch tables: registrations per second.</summary>
    /// <param name="withReads">
    /// Also run the worker's reads around the inserts, as it does for each batch: the outcomes and
    /// members already there for the batch's registration ids and email keys, and the new members'
    /// ids after the insert. Not the floor: what exactly-once costs the database, to tell it apart
    /// from what the worker itself adds.
    /// </param>
    private static async Task<(double Rate, CpuUsage Cpu)> RawInsertsAsync(BenchContext ctx, List<Message<string, byte[]>> records, int connections, bool withReads, CancellationToken cancellationToken)
    {
        var members = records.Select(r => MemberRegistrationRequested.FromUtf8Json(r.Value)).ToList();
        var scratch = $"bench_{ctx.RunTag}";
        await using (var setup = await ctx.OpenDatabaseAsync(cancellationToken))
        {
            await new MySqlCommand($"CREATE TABLE {scratch}_members LIKE members; CREATE TABLE {scratch}_registrations LIKE member_registrations;", setup).ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            var chunks = members.Chunk(RowsPerTransaction).ToList();
            var next = -1;
            long written = 0;
            var cpu = CpuSampler.Start(ctx.Target);
            var started = Stopwatch.GetTimestamp();
            await using (Progress.Start(withReads ? "raw rows inserted with reads" : "raw rows inserted", () => Interlocked.Read(ref written)))
            {
                await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
                {
                    await using var connection = await ctx.OpenDatabaseAsync(cancellationToken);
                    int c;
                    while ((c = Interlocked.Increment(ref next)) < chunks.Count)
                    {
                        await InsertChunkAsync(connection, scratch, chunks[c], withReads, cancellationToken);
                        Interlocked.Add(ref written, chunks[c].Length);
                    }
                }, CancellationToken.None)));
            }
            var rate = members.Count / Stopwatch.GetElapsedTime(started).TotalSeconds;
            return (rate, cpu.Stop());
        }
        finally
        {
            await using var cleanup = await ctx.OpenDatabaseAsync(CancellationToken.None);
            await new MySqlCommand($"DROP TABLE IF EXISTS {scratch}_members, {scratch}_registrations", cleanup).ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task InsertChunkAsync(MySqlConnection connection, string scratch, MemberRegistrationRequested[] chunk, bool withReads, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var now = DateTime.UtcNow;
        if (withReads)
        {
            await using var reads = new MySqlBatch(connection, transaction);
            reads.BatchCommands.Add(WhereIn($"SELECT registration_id FROM {scratch}_registrations WHERE registration_id", chunk.Select(m => (object)m.RegistrationId)));
            var byIdOrEmail = WhereIn($"SELECT id, registration_id, email_key FROM {scratch}_members WHERE registration_id", chunk.Select(m => (object)m.RegistrationId));
            AppendIn(byIdOrEmail, " OR email_key", chunk.Select(m => (object)m.EmailKey));
            reads.BatchCommands.Add(byIdOrEmail);
            await using var reader = await reads.ExecuteReaderAsync(cancellationToken);
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        var memberIds = new Dictionary<Guid, long>();
        var insert = new StringBuilder($"INSERT INTO {scratch}_members (name, email, email_key, phone_number, registration_id, registered_at) VALUES ");
        for (var i = 0; i < chunk.Length; i++)
        {
            insert.Append(i == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)");
        }
        void AddMembers(MySqlParameterCollection parameters)
        {
            foreach (var m in chunk)
            {
                Add(parameters, m.Name, m.Email, m.EmailKey, m.PhoneNumber, m.RegistrationId, now);
            }
        }
        if (withReads)
        {
            // As the worker: the insert and the new members' ids in one round trip.
            await using var batch = new MySqlBatch(connection, transaction);
            var command = new MySqlBatchCommand(insert.ToString());
            AddMembers(command.Parameters);
            batch.BatchCommands.Add(command);
            batch.BatchCommands.Add(WhereIn($"SELECT registration_id, id FROM {scratch}_members WHERE registration_id", chunk.Select(m => (object)m.RegistrationId)));
            // The reader skips the insert's answer (it has no columns): it starts at the ids.
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                memberIds[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }
        else
        {
            await using var command = new MySqlCommand(insert.ToString(), connection, transaction);
            AddMembers(command.Parameters);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var command = new MySqlCommand { Connection = connection, Transaction = transaction })
        {
            var sql = new StringBuilder($"INSERT INTO {scratch}_registrations (registration_id, status, member_id, reason, accepted_at, completed_at) VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                var memberId = withReads ? memberIds[chunk[i].RegistrationId] : i + 1;
                sql.Append(i == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture, $"(?, 'Completed', {memberId}, NULL, ?, ?)");
                Add(command.Parameters, chunk[i].RegistrationId, chunk[i].RequestedAt.UtcDateTime, now);
            }
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary><c>{select} IN (?, ...)</c>, one positional parameter per value.</summary>
    private static MySqlBatchCommand WhereIn(string select, IEnumerable<object> values)
    {
        var command = new MySqlBatchCommand();
        AppendIn(command, select, values);
        return command;
    }

    private static void AppendIn(MySqlBatchCommand command, string prefix, IEnumerable<object> values)
    {
        var sql = new StringBuilder(command.CommandText).Append(prefix).Append(" IN (");
        var first = true;
        foreach (var value in values)
        {
            sql.Append(first ? "?" : ", ?");
            first = false;
            command.Parameters.Add(new MySqlParameter { Value = value });
        }
        command.CommandText = sql.Append(')').ToString();
    }

    private static async Task WatchLinesAsync(DistributedApplication app, string resource, System.Collections.Concurrent.ConcurrentQueue<string> lines, CancellationToken cancellationToken)
    {
        // Logs are kept by the resource's instance id (consumer-worker-xxxx), not its name.
        var instance = app.ResourceNotifications.TryGetCurrentState(resource, out var state) ? state.ResourceId : resource;
        try
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().WatchAsync(instance).WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    lines.Enqueue(line.Content);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Positional parameters (<c>?</c>), in the placeholders' order, as the worker's statements
    /// use them: the cheapest way MySqlConnector has to carry values (no names to normalize and
    /// look up); a GUID goes as a <c>Guid</c>, written as its 36 characters.
    /// </summary>
    private static void Add(MySqlParameterCollection parameters, params ReadOnlySpan<object> values)
    {
        foreach (var value in values)
        {
            parameters.Add(new MySqlParameter { Value = value });
        }
    }
}
