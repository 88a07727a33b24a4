using System.Globalization;

namespace KafkaPractice.AppHost.Infrastructure;

/// <summary>
/// Whole-number and true/false settings read straight from configuration, refused at start with the key, the value
/// and the allowed range when they are out of bounds, rather than failing later in a less clear place.
/// </summary>
public static class SettingBounds
{
    public static int Read(IConfiguration configuration, string key, int defaultValue, int min, int max, string why)
    {
        var raw = configuration[key];
        if (raw is null)
        {
            return defaultValue;
        }
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidOperationException($"{key}={raw} is not allowed: use a whole number from {min} to {max} ({why}).");
        }
        return value;
    }

    /// <summary>A true/false setting; <c>null</c> when it is not given.</summary>
    public static bool? ReadFlag(IConfiguration configuration, string key, string why)
    {
        var raw = configuration[key];
        if (raw is null)
        {
            return null;
        }
        if (!bool.TryParse(raw, out var value))
        {
            throw new InvalidOperationException($"{key}={raw} is not allowed: use true or false ({why}).");
        }
        return value;
    }
}
