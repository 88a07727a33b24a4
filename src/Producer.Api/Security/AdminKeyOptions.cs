namespace KafkaPractice.Producer.Api.Security;

/// <summary>Settings of section <c>Security</c>.</summary>
public sealed class AdminKeyOptions
{
    public const string SectionName = "Security";

    /// <summary>Shortest key accepted: the AppHost generates 32 characters.</summary>
    public const int MinimumKeyLength = 16;

    /// <summary>
    /// The key that <c>Authorization: Bearer</c> must carry on admin endpoints. The AppHost passes
    /// its secret parameter <c>admin-api-key</c> as <c>Security__AdminApiKey</c>.
    /// </summary>
    public string AdminApiKey { get; set; } = "";
}
