using System.Globalization;

namespace KafkaPractice.AppHost.Infrastructure;

/// <summary>
/// Whole-number settings read straight from configuration, refused at start with the key, the value
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
}
