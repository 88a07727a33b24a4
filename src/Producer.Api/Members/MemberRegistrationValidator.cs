using System.Buffers;
using System.Globalization;

namespace KafkaPractice.Producer.Api.Members;

/// <summary>A registration that passed validation, in the form it is sent on.</summary>
public sealed record ValidRegistration(string Name, string Email, string PhoneNumber)
{
    /// <summary>The lower-cased email: compared case-insensitively, and the Kafka record key.</summary>
    public string EmailKey => Email.ToLowerInvariant();

    /// <summary>What "the same body" means for an Idempotency-Key: the normalised fields, not the raw bytes.</summary>
    public string Canonical => $"{Name}\n{EmailKey}\n{PhoneNumber}";
}

/// <summary>The rules of <c>POST /members</c>, as the contract states them (DESIGN.md).</summary>
public static class MemberRegistrationValidator
{
    public const int MaxNameLength = 50;
    public const int MaxEmailLength = 254;
    public const int MaxLocalPartLength = 64;
    public const int MaxLabelLength = 63;

    /// <summary>The registration, or the errors by field (empty when it is valid).</summary>
    public static (ValidRegistration? Registration, IReadOnlyDictionary<string, string[]> Errors) Validate(string? name, string? email, string? phoneNumber)
    {
        var validName = ValidateName(name, out var nameError);
        var validEmail = ValidateEmail(email, out var emailError);
        var phoneError = ValidatePhoneNumber(phoneNumber);
        if (nameError is null && emailError is null && phoneError is null)
        {
            return (new ValidRegistration(validName!, validEmail!, phoneNumber!), NoErrors);
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (nameError is not null)
        {
            errors["name"] = [nameError];
        }
        if (emailError is not null)
        {
            errors["email"] = [emailError];
        }
        if (phoneError is not null)
        {
            errors["phoneNumber"] = [phoneError];
        }
        return (null, errors);
    }

    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = System.Collections.ObjectModel.ReadOnlyDictionary<string, string[]>.Empty;

    /// <summary>1-50 characters after trimming; no control characters, no bidirectional overrides or isolates.</summary>
    public static string? ValidateName(string? name, out string? error)
    {
        if (name is null)
        {
            error = "'name' is required.";
            return null;
        }
        var trimmed = name.Trim();
        if (trimmed.Length == 0)
        {
            error = "'name' must not be empty.";
            return null;
        }
        var length = 0;
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsHighSurrogate(c) && i + 1 < trimmed.Length && char.IsLowSurrogate(trimmed[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                error = "'name' contains an unpaired surrogate.";
                return null;
            }
            else if (char.GetUnicodeCategory(c) == UnicodeCategory.Control)
            {
                error = "'name' must not contain control characters.";
                return null;
            }
            else if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
            {
                error = "'name' must not contain bidirectional override or isolate characters.";
                return null;
            }
            length++;
        }
        if (length > MaxNameLength)
        {
            error = $"'name' must be at most {MaxNameLength} characters.";
            return null;
        }
        error = null;
        return trimmed;
    }

    /// <summary>
    /// One plain <c>local@domain</c> address: dot-atom local part (no quotes, comments or display
    /// name), a domain of at least two dot-separated non-empty labels, at most 254 characters.
    /// Surrounding white space is trimmed.
    /// </summary>
    public static string? ValidateEmail(string? email, out string? error)
    {
        if (email is null)
        {
            error = "'email' is required.";
            return null;
        }
        var trimmed = email.Trim();
        error = EmailError(trimmed);
        return error is null ? trimmed : null;
    }

    private static string? EmailError(string email)
    {
        const string plain = "'email' must be one plain address like name@example.com.";
        if (email.Length == 0)
        {
            return "'email' must not be empty.";
        }
        if (email.Length > MaxEmailLength)
        {
            return $"'email' must be at most {MaxEmailLength} characters.";
        }
        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != email.LastIndexOf('@') || at == email.Length - 1)
        {
            return plain;
        }
        // Spans over the one string: validating a request allocates nothing.
        var local = email.AsSpan(0, at);
        var domain = email.AsSpan(at + 1);
        if (local.Length > MaxLocalPartLength || !IsDotAtom(local))
        {
            return plain;
        }
        if (!domain.Contains('.'))
        {
            return "'email' must have a domain with at least one dot.";
        }
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length == 0 || label.Length > MaxLabelLength || label[0] == '-' || label[^1] == '-' || label.ContainsAnyExcept(Ldh))
            {
                return plain;
            }
        }
        return null;
    }

    private static bool IsDotAtom(ReadOnlySpan<char> s) =>
        s.Length > 0 && s[0] != '.' && s[^1] != '.' && !s.Contains("..", StringComparison.Ordinal) && !s.ContainsAnyExcept(AtextOrDot);

    // RFC 5322 atext: letters, digits and these symbols; no space, quotes, brackets, comments or '@'.
    private static readonly SearchValues<char> AtextOrDot =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~.");

    // A domain label: letters, digits, hyphens.
    private static readonly SearchValues<char> Ldh =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>7-15 ASCII digits, an optional leading '+', single spaces or hyphens between digits, nothing else.</summary>
    public static string? ValidatePhoneNumber(string? phoneNumber)
    {
        if (phoneNumber is null)
        {
            return "'phoneNumber' is required.";
        }
        const string shape = "'phoneNumber' must be 7-15 digits, optionally starting with '+', with single spaces or hyphens between digits.";
        var digits = 0;
        var previousWasDigit = false;
        for (var i = 0; i < phoneNumber.Length; i++)
        {
            var c = phoneNumber[i];
            if (char.IsAsciiDigit(c))
            {
                digits++;
                previousWasDigit = true;
            }
            else if (c == '+' && i == 0)
            {
                previousWasDigit = false;
            }
            else if ((c == ' ' || c == '-') && previousWasDigit && i + 1 < phoneNumber.Length && char.IsAsciiDigit(phoneNumber[i + 1]))
            {
                previousWasDigit = false;
            }
            else
            {
                return shape;
            }
        }
        return digits is >= 7 and <= 15 ? null : shape;
    }

    /// <summary>1-100 printable ASCII characters (space to tilde).</summary>
    public static bool IsValidIdempotencyKey(string key) =>
        key.Length is >= 1 and <= 100 && key.All(c => c is >= ' ' and <= '~');
}
