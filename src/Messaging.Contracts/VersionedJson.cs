using System.Text.Json;
using System.Text.Json.Serialization;

namespace KafkaPractice.Messaging;

/// <summary>
/// The JSON form every message contract shares: a body with an integer <c>version</c>, read
/// only when the version is the one this code knows. Anything else is an
/// <see cref="InvalidMessageException"/>, which sends the record to the dead-letter topic.
/// </summary>
public static class VersionedJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    public static byte[] Write<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, Options);

    /// <summary>
    /// Reads <paramref name="value"/> as <typeparamref name="T"/> version <paramref name="currentVersion"/>,
    /// then asks <paramref name="isComplete"/> whether the required fields are there.
    /// </summary>
    public static T Read<T>(ReadOnlySpan<byte> value, string typeName, int currentVersion, Func<T, bool> isComplete)
        where T : class
    {
        var version = ReadVersion(value);
        if (version != currentVersion)
        {
            throw new InvalidMessageException($"Unknown {typeName} version {version}; this consumer reads version {currentVersion}.");
        }
        T? message;
        try
        {
            message = JsonSerializer.Deserialize<T>(value, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidMessageException($"The value does not match {typeName} v{currentVersion}: {ex.Message}", ex);
        }
        if (message is null || !isComplete(message))
        {
            throw new InvalidMessageException($"The value is not a complete {typeName} v{currentVersion}.");
        }
        return message;
    }

    /// <summary>
    /// The top-level <c>version</c> of a JSON object, found in one forward pass without building a
    /// document (the last one wins, as a lookup in a parsed document would find it).
    /// </summary>
    private static int ReadVersion(ReadOnlySpan<byte> value)
    {
        int? version = null;
        var found = false;
        try
        {
            var reader = new Utf8JsonReader(value);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidMessageException("The value is not a JSON object.");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("version"u8);
                reader.Read();
                if (isVersion)
                {
                    found = true;
                    version = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v) ? v : null;
                }
                reader.Skip();
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidMessageException("The value is not valid JSON: " + ex.Message, ex);
        }
        if (!found || version is null)
        {
            throw new InvalidMessageException("The value has no integer 'version'.");
        }
        return version.Value;
    }
}
