using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace KafkaPractice.Producer.Api.Security;

public enum AdminCredential
{
    /// <summary>No <c>Authorization</c> header.</summary>
    Missing,

    /// <summary>An <c>Authorization</c> header that is not <c>Bearer &lt;token&gt;</c>.</summary>
    Malformed,

    /// <summary>A bearer token that is not the admin key.</summary>
    Wrong,

    Valid,
}

/// <summary>
/// Checks a request's <c>Authorization</c> header against the admin key. The key is kept only as
/// its SHA-256 digest, and digests are compared in constant time, so neither the key's content
/// nor its length shows in how long a refusal takes.
/// </summary>
public sealed class AdminKeyVerifier
{
    private const string BearerPrefix = "Bearer ";
    private const int MaxTokenLength = 1024;
    private readonly byte[] _keyDigest;

    public AdminKeyVerifier(IOptions<AdminKeyOptions> options)
    {
        _keyDigest = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.AdminApiKey));
    }

    public AdminCredential Check(StringValues authorizationHeader)
    {
        if (authorizationHeader.Count == 0)
        {
            return AdminCredential.Missing;
        }
        if (authorizationHeader.Count > 1 || authorizationHeader[0] is not { } authorization)
        {
            return AdminCredential.Malformed;
        }
        // RFC 9110: the scheme name is case-insensitive; one space, then a token68 without spaces.
        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AdminCredential.Malformed;
        }
        var token = authorization[BearerPrefix.Length..];
        if (token.Length is 0 or > MaxTokenLength || token.AsSpan().ContainsAny(' ', '\t'))
        {
            return AdminCredential.Malformed;
        }
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _keyDigest) ? AdminCredential.Valid : AdminCredential.Wrong;
    }
}
