using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>
/// Reads a request body as one JSON object, turning every way it can be wrong into a 4xx
/// problem (never a 500): wrong content type, too large, not JSON, not an object.
/// </summary>
public static class JsonBodyReader
{
    /// <summary>The contract's limit for any POST body.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    public sealed record Outcome(JsonDocument? Document, IResult? Problem);

    public static async Task<Outcome> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Fail(Problem.Of(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType,
                "The body must be JSON.", "Send the body with Content-Type: application/json."));
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

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var length = 0;
            try
            {
                int read;
                while ((read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken)) > 0)
                {
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
                document = JsonDocument.Parse(buffer.AsMemory(0, length), DocumentOptions);
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
            return new Outcome(document, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

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

    public static IResult TooLarge() =>
        Problem.Of(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge,
            "The body is too large.", $"A request body may be at most {MaxBodyBytes} bytes.");

    private static Outcome Fail(IResult problem) => new(null, problem);
}
