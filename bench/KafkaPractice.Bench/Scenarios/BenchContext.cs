using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using System.Net.Http.Headers;
using System.Text;
using Confluent.Kafka;
using KafkaPractice.Bench.Load;
using KafkaPractice.Bench.Reporting;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Kafka;
using KafkaPractice.Messaging.Members;
using MySqlConnector;

namespace KafkaPractice.Bench.Scenarios;

/// <summary>What every section shares: the system, the options, the results, and bench-made registrations.</summary>
public sealed class BenchContext(SystemUnderTest system, BenchOptions options, BenchResults results)
{
    private long _registrationsSent;

    public SystemUnderTest Target { get; } = system;
    public BenchOptions Options { get; } = options;
    public BenchResults Results { get; } = results;

    /// <summary>The bare endpoint's rate in the accept section, the reference for the accept rate with the worker stopped.</summary>
    public double? BareRate { get; set; }

    /// <summary>Records one run's CPU per operation for the CPU table.</summary>
    /// <param name="part">For a floor row, the processes that do the part's work (e.g. harness and redis for the raw script); else the system's.</param>
    public void AddCpu(string section, string run, string operation, double operations, CpuUsage usage, params string[] part) =>
        AddCpuRow(section, run, floor: part.Length > 0, operation, operations, usage, part.Length > 0 ? part : CpuRow.SystemProcesses);

    /// <summary>Records a reference run that is not a floor (not in the floors' sum): <paramref name="part"/> does the work.</summary>
    public void AddComparisonCpu(string section, string run, string operation, double operations, CpuUsage usage, params string[] part) =>
        AddCpuRow(section, run, floor: false, operation, operations, usage, part);

    private void AddCpuRow(string section, string run, bool floor, string operation, double operations, CpuUsage usage, string[] part) =>
        Results.Cpu.Add(new CpuRow(section, run, floor, operation, operations, usage.Seconds, usage.MicrosecondsPer(operations), part)
            { JitMicroseconds = usage.JitMicrosecondsPer(operations) });

    /// <summary>Stops consumer-worker and waits for its process to exit; returns how long that took.</summary>
    public async Task<TimeSpan> StopWorkerAsync(CancellationToken cancellationToken)
    {
        var app = Target.App ?? throw new InvalidOperationException("Stopping the worker needs the harness to start the system.");
        Progress.Say("  stopping consumer-worker");
        var stopping = Stopwatch.GetTimestamp();
        try
        {
            await Target.ExecuteCommandAsync(SystemUnderTest.Worker, KnownResourceCommands.StopCommand, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            // The orchestrator gives up waiting after a while; the process may still be on its way out.
            Progress.Say($"  {ex.Message}; waiting for it to exit");
        }
        using (var exitTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            exitTimeout.CancelAfter(TimeSpan.FromSeconds(60));
            await app.ResourceNotifications.WaitForResourceAsync(SystemUnderTest.Worker, KnownResourceStates.TerminalStates, exitTimeout.Token);
        }
        var took = Stopwatch.GetElapsedTime(stopping);
        Progress.Say($"  consumer-worker stopped after {took.TotalSeconds:F1} s");
        return took;
    }

    /// <summary>Starts consumer-worker and waits until it reports healthy.</summary>
    public async Task StartWorkerAsync(CancellationToken cancellationToken)
    {
        var app = Target.App ?? throw new InvalidOperationException("Starting the worker needs the harness to start the system.");
        Progress.Say("  starting consumer-worker");
        await Target.ExecuteCommandAsync(SystemUnderTest.Worker, KnownResourceCommands.StartCommand, cancellationToken);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(SystemUnderTest.Worker, cancellationToken);
    }

    /// <summary>Tells this run's rows apart from anything already in the database.</summary>
    public string RunTag { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Rows in member_registrations before the run (non-zero only when attached).</summary>
    public long BaselineRegistrations { get; set; }

    /// <summary>Registrations this run got into Kafka (202s and raw produces), so it can wait for the worker to catch up.</summary>
    public void CountRegistrations(long n) => Interlocked.Add(ref _registrationsSent, n);

    public static byte[] MemberBody(string tag, int i) =>
        Encoding.UTF8.GetBytes($$"""{"name":"Benchmark Member {{i:D6}}","email":"{{Email(tag, i)}}","phoneNumber":"+82 10-1234-5678"}""");

    public static string Email(string tag, int i) => $"bench-{tag}-{i:D7}@example.com";

    public static async Task<HttpStatusCode> PostMemberAsync(HttpClient client, string tag, int i, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(MemberBody(tag, i));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync("/members", content, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response.StatusCode;
    }

    /// <summary>The record the API would produce for registration <paramref name="i"/>: same key, value contract and headers.</summary>
    public static Message<string, byte[]> MemberRecord(string tag, int i, Guid? registrationId = null)
    {
        var message = new MemberRegistrationRequested
        {
            RegistrationId = registrationId ?? Guid.CreateVersion7(),
            Name = $"Benchmark Member {i:D6}",
            Email = Email(tag, i),
            PhoneNumber = "+82 10-1234-5678",
            RequestedAt = DateTimeOffset.UtcNow,
        };
        return ContractMessage.Create(message.EmailKey, message);
    }

    /// <summary>A producer with the API's settings (the same client rules, topology's acks and idempotence), optionally another linger.ms.</summary>
    public IProducer<string, byte[]> CreateProducer(int? lingerMs = null)
    {
        var config = new ProducerConfig { BootstrapServers = Target.KafkaBootstrap };
        KafkaClientRules.ApplyProducerRules(config, KafkaTopology.Default);
        if (lingerMs is { } linger)
        {
            config.LingerMs = linger;
        }
        return new ProducerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).Build();
    }

    public async Task<MySqlConnection> OpenDatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(Target.AppDbConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenDatabaseAsync(cancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Waits until the worker has written every registration this run put into Kafka, so one
    /// section's backlog does not slow the next one down.
    /// </summary>
    public async Task WaitForWorkerToCatchUpAsync(CancellationToken cancellationToken)
    {
        var expected = BaselineRegistrations + Interlocked.Read(ref _registrationsSent);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        long rows = 0;
        await using (Progress.Start("waiting for the worker to catch up (rows)", () => rows))
        {
            while (DateTime.UtcNow < deadline)
            {
                rows = await ScalarAsync("SELECT COUNT(*) FROM member_registrations", cancellationToken);
                if (rows >= expected)
                {
                    return;
                }
                await Task.Delay(250, cancellationToken);
            }
        }
        Results.Notes.Add($"The worker had written {rows:N0} of {expected:N0} registrations 3 minutes after a section; later figures ran with a backlog.");
        Progress.Say($"  worker did not catch up: {rows:N0} of {expected:N0}");
    }
}
