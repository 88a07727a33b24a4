using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>
/// Binds a request body to its typed request and validates it, turning every way it can be wrong
/// into a 4xx problem (never a 500): wrong content type, too large, not JSON, not an object, a
/// property named twice, a field of the wrong type or unknown, an invalid value.
/// </summary>
/// <remarks>
/// The body is read once into a pooled buffer. System.Text.Json binds it (source-generated,
/// unknown and repeated properties refused, numbers only as JSON numbers), and a body it accepts
/// goes straight to validation. A body it refuses is read once more by <see cref="JsonBodyDiagnosis"/>,
/// which gives the contract's answer: the exception of a binding error names only the first
/// problem, where the contract answers duplicate names in any letter case and at any depth, and
/// lists every invalid field at once.
/// </remarks>
public static class JsonBodyReader
{
    /// <summary>The contract's limit for any POST body.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Deeper nesting is refused as malformed JSON.</summary>
    public const int MaxDepth = 32;

    /// <summary>The answer to a body that is not declared as JSON, here and when routing refuses its Content-Type.</summary>
    public const string NotJsonTitle = "The body must be JSON.";
    public const string NotJsonDetail = "Send the body with Content-Type: application/json.";

    public static async ValueTask<JsonBody<TValid>> BindAsync<TRequest, TValid>(HttpContext context)
        where TRequest : class, IJsonRequest<TRequest, TValid>
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            // The contract answers a body that is not (declared as) JSON with 400, like any other
            // body that is not JSON, rather than HTTP's more specific 415.
            return Refused<TValid>(Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.NotJson, NotJsonTitle, NotJsonDetail));
        }
        if (request.ContentLength > MaxBodyBytes)
        {
            return Refused<TValid>(TooLarge());
        }
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = MaxBodyBytes;
        }

        // Sized to the announced length (plus one byte, to notice a body longer than announced),
        // so a ~100-byte body does not take a 128 KiB buffer; grown up to the limit when needed.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 4096, MaxBodyBytes) + 1);
        try
        {
            var length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBodyBytes + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    var read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, MaxBodyBytes + 1) - length), context.RequestAborted);
                    if (read == 0)
                    {
                        break;
                    }
                    length += read;
                    if (length > MaxBodyBytes)
                    {
                        return Refused<TValid>(TooLarge());
                    }
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Refused<TValid>(TooLarge());
            }
            catch (BadHttpRequestException ex)
            {
                return Refused<TValid>(Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "The request body could not be read.", ex.Message));
            }
            return Bind<TRequest, TValid>(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Binds and validates a complete body (the part of <see cref="BindAsync"/> after the read).</summary>
    public static JsonBody<TValid> Bind<TRequest, TValid>(ReadOnlySpan<byte> body)
        where TRequest : class, IJsonRequest<TRequest, TValid>
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        TValid? valid;
        var bound = TryDeserialize(body, TRequest.TypeInfo);
        if (bound is not null)
        {
            bound.TryValidate(errors, out valid);
        }
        else
        {
            var explanation = JsonBodyDiagnosis.Explain(body, TRequest.Fields);
            if (explanation.Problem is not null)
            {
                return Refused<TValid>(explanation.Problem);
            }
            TRequest.FromFields(explanation.Values).TryValidate(errors, out valid);
            explanation.AddTo(errors);
        }
        return errors.Count > 0 ? Refused<TValid>(Problem.Validation(errors)) : new JsonBody<TValid>(valid, null);
    }

    private static TRequest? TryDeserialize<TRequest>(ReadOnlySpan<byte> body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TRequest> typeInfo)
        where TRequest : class
    {
        try
        {
            // null for the body "null", which is not an object: explained like any other refusal.
            return JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ProblemHttpResult TooLarge() =>
        Problem.Of(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge,
            "The body is too large.", $"A request body may be at most {MaxBodyBytes} bytes.");

    private static JsonBody<TValid> Refused<TValid>(ProblemHttpResult problem) => new(default, problem);
}
