using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>
/// Reads a request body as one JSON object, turning every way it can be wrong into a 4xx
/// problem (never a 500): wrong content type, too large, not JSON, not an object, a property
/// named twice.
/// </summary>
public static class JsonBodyReader
{
    /// <summary>The contract's limit for any POST body.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public sealed record Outcome(JsonDocument? Document, IResult? Problem);

    /// <summary>The answer to a body that is not declared as JSON, here and when routing refuses its Content-Type.</summary>
    public const string NotJsonTitle = "The body must be JSON.";
    public const string NotJsonDetail = "Send the body with Content-Type: application/json.";

    public static async Task<Outcome> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            // The contract answers a body that is not (declared as) JSON with 400, like any other
            // body that is not JSON, rather than HTTP's more specific 415.
            return Fail(Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.NotJson, NotJsonTitle, NotJsonDetail));
        }
        if (request.ContentLength > MaxBodyBytes)
        {
            return Fail(TooLarge());
        }
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
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
                    var read = await request.Body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, MaxBodyBytes + 1) - length), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }
                    length += read;
                    if (length > MaxBodyBytes)
                    {
                        return Fail(TooLarge());
                    }
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Fail(TooLarge());
            }
            catch (BadHttpRequestException ex)
            {
                return Fail(Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "The request body could not be read.", ex.Message));
            }

            JsonDocument document;
            try
            {
                // The document keeps reading the memory it was given, and the buffer goes back to
                // the pool below: it gets its own copy of the (small) body.
                document = JsonDocument.Parse(buffer.AsMemory(0, length).ToArray(), DocumentOptions);
            }
            catch (JsonException)
            {
                return Fail(Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedJson,
                    "The body is not valid JSON.", "The body could not be parsed as JSON."));
            }
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return Fail(Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.NotJsonObject,
                    "The body must be a JSON object.", "Send one JSON object with the fields the endpoint describes."));
            }
            if (NameProblem(document.RootElement) is { } nameProblem)
            {
                document.Dispose();
                return Fail(nameProblem);
            }
            return new Outcome(document, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The problem with the body's property names, if any. A name such as "\ud800" parses, but
    /// looking any property up by name in its object would then throw. A name given twice in one
    /// object (also in another letter case) is refused: parsers disagree on which value wins, and
    /// the value this service reads must be the one every other reader of the body sees.
    /// </summary>
    private static IResult? NameProblem(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedJson,
                            "The body is not valid JSON.", "A field name is not valid Unicode text (an unpaired surrogate escape).");
                    }
                    if (!seen.Add(name))
                    {
                        return DuplicateProperty(name);
                    }
                    if (NameProblem(property.Value) is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (NameProblem(item) is { } inner)
                    {
                        return inner;
                    }
                }
                return null;
            default:
                return null;
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem DuplicateProperty(string name) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]>(StringComparer.Ordinal) { [name] = [$"'{name}' is given more than once (names are compared ignoring letter case)."] },
            detail: $"The property '{name}' is given more than once; send each property once.",
            title: "A property is given more than once.",
            type: ProblemTypes.DuplicateProperty);

    /// <summary>
    /// Reads an optional string field: absent or null gives (null, null); any other non-string
    /// JSON type gives an error message for the field.
    /// </summary>
    public static (string? Value, string? Error) ReadString(JsonElement obj, string field)
    {
        if (!obj.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            return (null, $"'{field}' must be a JSON string.");
        }
        try
        {
            return (element.GetString(), null);
        }
        catch (InvalidOperationException)
        {
            return (null, $"'{field}' is not valid Unicode text.");
        }
    }

    /// <summary>At most this many unknown fields are named in one answer, so the answer stays small.</summary>
    public const int MaxUnknownFieldsReported = 20;

    /// <summary>
    /// Adds an error for every property of <paramref name="obj"/> that is not one of
    /// <paramref name="fields"/> (compared case-sensitively, as the contract names them): a
    /// misspelled field is refused rather than silently ignored.
    /// </summary>
    public static void AddUnknownFieldErrors(JsonElement obj, IReadOnlyCollection<string> fields, IDictionary<string, string[]> errors)
    {
        var reported = 0;
        foreach (var property in obj.EnumerateObject())
        {
            string name;
            string message;
            try
            {
                name = property.Name;
                message = $"'{name}' is not a field of this request.";
            }
            catch (InvalidOperationException)
            {
                // A name such as "\ud800" is valid JSON but not valid Unicode: report it as sent.
                name = RawName(property);
                message = "This field name is not valid Unicode text.";
            }
            if (fields.Contains(name, StringComparer.Ordinal) || errors.ContainsKey(name))
            {
                continue;
            }
            if (++reported > MaxUnknownFieldsReported)
            {
                return;
            }
            errors[name] = [message];
        }
    }

    /// <summary>The property's name as it appears in the body, escapes included (without the quotes).</summary>
    private static string RawName(JsonProperty property)
    {
        var raw = property.ToString();
        for (var i = 1; i < raw.Length; i++)
        {
            if (raw[i] == '\\')
            {
                i++;
            }
            else if (raw[i] == '"')
            {
                return raw[1..i];
            }
        }
        return raw;
    }

    public static IResult TooLarge() =>
        Problem.Of(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge,
            "The body is too large.", $"A request body may be at most {MaxBodyBytes} bytes.");

    private static Outcome Fail(IResult problem) => new(null, problem);
}
