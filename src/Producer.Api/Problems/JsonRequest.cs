using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization.Metadata;

namespace KafkaPractice.Producer.Api.Problems;

/// <summary>
/// A JSON request body: bound by System.Text.Json (source-generated, unknown and repeated
/// properties refused), then validated into <typeparamref name="TValid"/>, the form the endpoint works with.
/// </summary>
public interface IJsonRequest<TSelf, TValid> where TSelf : class, IJsonRequest<TSelf, TValid>
{
    /// <summary>The body's fields, as the contract names them (case-sensitive), in the order errors are listed.</summary>
    static abstract IReadOnlyList<JsonField> Fields { get; }

    static abstract JsonTypeInfo<TSelf> TypeInfo { get; }

    /// <summary>The request from the fields a refused body did carry with the right JSON type (the others are null).</summary>
    static abstract TSelf FromFields(JsonFieldValues values);

    /// <summary>Adds an error per invalid field; the valid form when there is none.</summary>
    bool TryValidate(Dictionary<string, string[]> errors, [MaybeNullWhen(false)] out TValid valid);
}

public enum JsonFieldKind
{
    Text,
    WholeNumber,
}

/// <summary>One field of a request body: a JSON string, or a JSON integer within bounds.</summary>
public sealed record JsonField(string Name, JsonFieldKind Kind, long Min = 0, long Max = 0)
{
    public static JsonField Text(string name) => new(name, JsonFieldKind.Text);

    public static JsonField WholeNumber(string name, long min, long max) => new(name, JsonFieldKind.WholeNumber, min, max);

    public string Required => $"'{Name}' is required.";

    public string WrongType => Kind == JsonFieldKind.Text ? $"'{Name}' must be a JSON string." : $"'{Name}' must be a JSON number.";

    public string NotText => $"'{Name}' is not valid Unicode text.";

    public string OutOfRange => Max == long.MaxValue
        ? $"'{Name}' must be an integer of at least {Min.ToString(CultureInfo.InvariantCulture)}."
        : $"'{Name}' must be an integer from {Min.ToString("N0", CultureInfo.InvariantCulture)} to {Max.ToString("N0", CultureInfo.InvariantCulture)}.";

    /// <summary>The error for an integer field's value (null: absent or JSON null), or null when it is within bounds.</summary>
    public string? Check(long? value) => value is not { } v ? Required : v < Min || v > Max ? OutOfRange : null;
}

/// <summary>The values of the fields a refused body carried with the right JSON type.</summary>
public sealed class JsonFieldValues(IReadOnlyList<JsonField> fields)
{
    private readonly object?[] _values = new object?[fields.Count];

    public IReadOnlyList<JsonField> Fields => fields;

    public string? Text(string name) => _values[IndexOf(name)] as string;

    public long? WholeNumber(string name) => _values[IndexOf(name)] as long?;

    internal void Set(JsonField field, object value) => _values[IndexOf(field.Name)] = value;

    private int IndexOf(string name)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (fields[i].Name == name)
            {
                return i;
            }
        }
        throw new ArgumentException($"'{name}' is not a field of this request.", nameof(name));
    }
}

/// <summary>A bound and validated body, or the problem that answers it.</summary>
public sealed record JsonBody<T>(T? Value, Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Problem)
{
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsValid => Problem is null;
}
