using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace KafkaPractice.Tests.Reliability;

public enum RequestKind
{
    /// <summary><c>POST /members</c> with a new email and an Idempotency-Key.</summary>
    Registration,

    /// <summary><c>POST /members</c> with a new email and an invalid phone number: must be refused and leave nothing.</summary>
    InvalidRegistration,

    /// <summary><c>POST /campaigns/{id}/coupons</c> for a member who has not asked before.</summary>
    Coupon,
}

/// <summary>One HTTP exchange. <see cref="Status"/> 0: no answer (connection refused or reset, or the client timed out).</summary>
public sealed record Attempt(TimeSpan SentAt, TimeSpan AnsweredAt, int Status, string Slug, bool ProblemJson, bool RetryAfter, string? Error);

/// <summary>
/// One request as a client sees it, with every attempt it took: a 503, a dropped connection or
/// <c>409 key-in-flight</c> is tried again after <see cref="MixedLoad.RetryDelay"/> with the same
/// body and Idempotency-Key, until a definite answer or <see cref="MixedLoad.GiveUpAfter"/>.
/// </summary>
public sealed class LoadRequest(RequestKind kind, string email, long memberId)
{
    public RequestKind Kind { get; } = kind;
    public string Email { get; } = email;
    public long MemberId { get; } = memberId;
    public string IdempotencyKey { get; } = Guid.NewGuid().ToString("N");
    public List<Attempt> Attempts { get; } = [];
    public Guid? RegistrationId { get; set; }

    public Attempt? Final => Attempts.Count == 0 ? null : Attempts[^1];

    /// <summary>The definite answer, e.g. "202" or "409 sold-out"; "unanswered" when the client gave up.</summary>
    public string Outcome => Final is { } f && !MixedLoad.IsRetryable(f) ? (f.Slug.Length == 0 ? $"{f.Status}" : $"{f.Status} {f.Slug}") : "unanswered";
}

/// <summary>
/// A steady open-loop mix of member registrations (10% of them invalid) and coupon requests against
/// the API, at a fixed rate whatever the answers, recording every request and attempt.
/// Calls the API's own endpoint with a plain client: no resilience handler retries or hides anything.
/// Given several addresses (one per API replica), it sends its attempts to each in turn, so every
/// replica serves a share whatever way a proxy would have pinned the connections.
/// </summary>
public sealed class MixedLoad : IAsyncDisposable
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly HttpClient[] _clients;
    private readonly string _campaignId;
    private readonly IReadOnlyList<long> _members;
    private readonly string _tag = "fault-" + Guid.NewGuid().ToString("N")[..10];
    private readonly ConcurrentQueue<LoadRequest> _requests = new();
    private readonly ConcurrentBag<Task> _running = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _nextMember;
    private int _sequence;
    private int _sends;
    private Task? _generator;

    public MixedLoad(IReadOnlyList<Uri> apis, string campaignId, IReadOnlyList<long> members, int registrationsPerSecond, int couponsPerSecond)
    {
        if (apis.Count == 0)
        {
            throw new ArgumentException("The load needs at least one address.", nameof(apis));
        }
        _clients = apis.Select(api => new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            BaseAddress = api,
            Timeout = TimeSpan.FromSeconds(30),
        }).ToArray();
        _campaignId = campaignId;
        _members = members;
        RegistrationsPerSecond = registrationsPerSecond;
        CouponsPerSecond = couponsPerSecond;
    }

    public int RegistrationsPerSecond { get; }
    public int CouponsPerSecond { get; }

    /// <summary>Time since the load was created: the clock of every <see cref="Attempt"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyCollection<LoadRequest> Requests => _requests;

    /// <summary>The prefix of every email the load registers, e.g. <c>fault-1a2b3c4d5e</c>.</summary>
    public string Tag => _tag;

    /// <summary>The campaign the coupon requests ask.</summary>
    public string CampaignId => _campaignId;

    public int Answered(int status) => _requests.Count(r =>
    {
        lock (r.Attempts)
        {
            return r.Attempts.Exists(a => a.Status == status);
        }
    });

    public void Start() => _generator = Task.Run(GenerateAsync);

    /// <summary>Stops starting new requests and waits for every started one to get a definite answer (or give up).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_generator is not null)
        {
            await _generator;
        }
        await Task.WhenAll(_running);
    }

    private async Task GenerateAsync()
    {
        // Whole requests per tick, carrying the remainder, so the rates hold at any tick length.
        double registrationsDue = 0, couponsDue = 0;
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                registrationsDue += RegistrationsPerSecond * Tick.TotalSeconds;
                couponsDue += CouponsPerSecond * Tick.TotalSeconds;
                for (; registrationsDue >= 1; registrationsDue--)
                {
                    var n = Interlocked.Increment(ref _sequence);
                    var kind = n % 10 == 0 ? RequestKind.InvalidRegistration : RequestKind.Registration;
                    Launch(new LoadRequest(kind, $"{_tag}-{n}@example.com", 0));
                }
                for (; couponsDue >= 1; couponsDue--)
                {
                    var index = Interlocked.Increment(ref _nextMember) - 1;
                    if (index < _members.Count)
                    {
                        Launch(new LoadRequest(RequestKind.Coupon, "", _members[index]));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    /// <summary>Starts this many extra requests at once, on top of the steady rate.</summary>
    public void Burst(int coupons, int registrations)
    {
        for (var i = 0; i < registrations; i++)
        {
            Launch(new LoadRequest(RequestKind.Registration, $"{_tag}-{Interlocked.Increment(ref _sequence)}-burst@example.com", 0));
        }
        for (var i = 0; i < coupons; i++)
        {
            var index = Interlocked.Increment(ref _nextMember) - 1;
            if (index < _members.Count)
            {
                Launch(new LoadRequest(RequestKind.Coupon, "", _members[index]));
            }
        }
    }

    private void Launch(LoadRequest request)
    {
        _requests.Enqueue(request);
        _running.Add(Task.Run(() => RunAsync(request)));
    }

    private async Task RunAsync(LoadRequest request)
    {
        var giveUpAt = Now + GiveUpAfter;
        while (true)
        {
            var attempt = await SendAsync(request);
            lock (request.Attempts)
            {
                request.Attempts.Add(attempt);
            }
            if (!IsRetryable(attempt) || Now > giveUpAt)
            {
                return;
            }
            await Task.Delay(RetryDelay);
        }
    }

    /// <summary>What a careful client tries again: the documented 503, a lost connection, or its own key still in flight.</summary>
    public static bool IsRetryable(Attempt attempt) =>
        attempt.Status is 0 or 503 || (attempt.Status, attempt.Slug) == (409, "idempotency-key-in-flight");

    private async Task<Attempt> SendAsync(LoadRequest request)
    {
        using var message = request.Kind switch
        {
            RequestKind.Coupon => new HttpRequestMessage(HttpMethod.Post, $"/campaigns/{_campaignId}/coupons")
            {
                Content = JsonContent.Create(new { memberId = request.MemberId }),
            },
            _ => new HttpRequestMessage(HttpMethod.Post, "/members")
            {
                Content = JsonContent.Create(new
                {
                    name = "Fault Load",
                    email = request.Email,
                    phoneNumber = request.Kind == RequestKind.InvalidRegistration ? "not a phone" : "+82 10-1234-5678",
                }),
            },
        };
        if (request.Kind != RequestKind.Coupon)
        {
            message.Headers.TryAddWithoutValidation("Idempotency-Key", request.IdempotencyKey);
        }

        var sentAt = Now;
        try
        {
            var client = _clients[(int)((uint)Interlocked.Increment(ref _sends) % (uint)_clients.Length)];
            using var response = await client.SendAsync(message);
            var status = (int)response.StatusCode;
            var problemJson = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            var slug = "";
            if (status >= 400 && problemJson)
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                var type = problem.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
                slug = type[(type.LastIndexOf('/') + 1)..];
            }
            else if (status == 202 && request.Kind == RequestKind.Registration)
            {
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                request.RegistrationId = body.GetProperty("registrationId").GetGuid();
            }
            else
            {
                await response.Content.ReadAsByteArrayAsync();
            }
            return new Attempt(sentAt, Now, status, slug, problemJson, response.Headers.RetryAfter is not null, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Attempt(sentAt, Now, 0, "", false, false, ex.GetType().Name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}
