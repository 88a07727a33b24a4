using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>
/// Why a body that typed binding refused is refused, read in one pass with the JSON reader: the
/// answer the contract fixes, in this order of precedence: not JSON (also nested deeper than
/// <see cref="JsonBodyReader.MaxDepth"/>) → not a JSON object → the first property name, in body
/// order and at any depth, that is not valid Unicode or repeats a name of its object (letter case
/// ignored) → per-field errors (wrong JSON type, fields the request does not define), which the
/// caller joins with its validation errors. Binding alone stops at the first error it meets; the
/// contract reports every field at once.
/// </summary>
public static class JsonBodyDiagnosis
{
    /// <summary>At most this many unknown fields are named in one answer, so the answer stays small.</summary>
    public const int MaxUnknownFieldsReported = 20;

    public sealed class Explanation(JsonFieldValues values)
    {
        /// <summary>The answer for the whole body, when it is not a JSON object with distinct, valid property names.</summary>
        public ProblemHttpResult? Problem { get; init; }

        public JsonFieldValues Values { get; } = values;

        /// <summary>Fields the request defines, given a value of the wrong JSON type (or outside a 64-bit integer).</summary>
        public Dictionary<string, string[]> TypeErrors { get; } = new(StringComparer.Ordinal);

        /// <summary>Properties the request does not define, in body order (at most <see cref="MaxUnknownFieldsReported"/>).</summary>
        public List<string> UnknownFields { get; } = [];

        /// <summary>Joins the field errors with the caller's validation errors: a type error replaces a field's validation error.</summary>
        public void AddTo(Dictionary<string, string[]> errors)
        {
            foreach (var (field, messages) in TypeErrors)
            {
                errors[field] = messages;
            }
            foreach (var name in UnknownFields)
            {
                errors.TryAdd(name, [$"'{name}' is not a field of this request."]);
            }
        }
    }

    public static Explanation Explain(ReadOnlySpan<byte> body, IReadOnlyList<JsonField> fields)
    {
        var explanation = new Explanation(new JsonFieldValues(fields));
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = JsonBodyReader.MaxDepth });
        ProblemHttpResult? nameProblem = null;
        try
        {
            if (!reader.Read())
            {
                return Refused(explanation, Malformed());
            }
            var rootIsObject = reader.TokenType == JsonTokenType.StartObject;
            // One set of names per open object (null for an array), innermost last.
            var names = new Stack<HashSet<string>?>();
            if (rootIsObject)
            {
                names.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
            }
            JsonField? field = null;
            var topLevelValue = false;
            while (reader.Read())
            {
                if (!rootIsObject)
                {
                    continue; // only to the end, so that invalid JSON still answers as such
                }
                var token = reader.TokenType;
                if (token == JsonTokenType.PropertyName)
                {
                    var name = PropertyName(ref reader, ref nameProblem);
                    if (name is not null && !names.Peek()!.Add(name))
                    {
                        nameProblem ??= DuplicateProperty(name);
                    }
                    if (reader.CurrentDepth == 1)
                    {
                        topLevelValue = true;
                        field = Find(fields, name);
                        if (field is null && name is not null && explanation.UnknownFields.Count < MaxUnknownFieldsReported)
                        {
                            explanation.UnknownFields.Add(name);
                        }
                    }
                    continue;
                }
                if (topLevelValue)
                {
                    topLevelValue = false;
                    if (field is not null)
                    {
                        ReadField(ref reader, field, explanation);
                    }
                }
                switch (token)
                {
                    case JsonTokenType.StartObject:
                        names.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                        break;
                    case JsonTokenType.StartArray:
                        names.Push(null);
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        names.Pop();
                        break;
                }
            }
            if (!rootIsObject)
            {
                return Refused(explanation, Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.NotJsonObject,
                    "The body must be a JSON object.", "Send one JSON object with the fields the endpoint describes."));
            }
        }
        catch (JsonException)
        {
            return Refused(explanation, Malformed());
        }
        return nameProblem is null ? explanation : Refused(explanation, nameProblem);
    }

    private static void ReadField(ref Utf8JsonReader reader, JsonField field, Explanation explanation)
    {
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            return;
        }
        if (field.Kind == JsonFieldKind.Text)
        {
            if (token != JsonTokenType.String)
            {
                explanation.TypeErrors[field.Name] = [field.WrongType];
                return;
            }
            try
            {
                explanation.Values.Set(field, reader.GetString()!);
            }
            catch (InvalidOperationException)
            {
                // Valid JSON, but not text: invalid UTF-8 bytes, or an escaped lone surrogate.
                explanation.TypeErrors[field.Name] = [field.NotText];
            }
            return;
        }
        if (token != JsonTokenType.Number)
        {
            explanation.TypeErrors[field.Name] = [field.WrongType];
        }
        else if (reader.TryGetInt64(out var value))
        {
            explanation.Values.Set(field, value);
        }
        else
        {
            explanation.TypeErrors[field.Name] = [field.OutOfRange];
        }
    }

    /// <summary>The property's name; null (and the problem noted) when it is valid JSON but not valid Unicode, such as "\ud800".</summary>
    private static string? PropertyName(ref Utf8JsonReader reader, ref ProblemHttpResult? nameProblem)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            nameProblem ??= Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedJson,
                "The body is not valid JSON.", "A field name is not valid Unicode text (an unpaired surrogate escape).");
            return null;
        }
    }

    private static JsonField? Find(IReadOnlyList<JsonField> fields, string? name)
    {
        foreach (var field in fields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field;
            }
        }
        return null;
    }

    private static Explanation Refused(Explanation explanation, ProblemHttpResult problem) =>
        new(explanation.Values) { Problem = problem };

    private static ProblemHttpResult Malformed() =>
        Problem.Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedJson,
            "The body is not valid JSON.", "The body could not be parsed as JSON.");

    /// <summary>
    /// Refused: parsers disagree on which value wins, and the value this service reads must be the
    /// one every other reader of the body sees.
    /// </summary>
    private static ProblemHttpResult DuplicateProperty(string name) =>
        Problem.ValidationOf(
            new Dictionary<string, string[]>(StringComparer.Ordinal) { [name] = [$"'{name}' is given more than once (names are compared ignoring letter case)."] },
            ProblemTypes.DuplicateProperty,
            "A property is given more than once.",
            $"The property '{name}' is given more than once; send each property once.");
}
