namespace KafkaPractice.Core.Data.Members;

/// <summary>A registered member. One row per accepted, non-duplicate registration.</summary>
public sealed class Member
{
    public long Id { get; set; }
    public required string Name { get; set; }
    /// <summary>The address as the member typed it (trimmed).</summary>
    public required string Email { get; set; }
    /// <summary>Lower-cased <see cref="Email"/>; unique, so the database itself refuses a second member per address.</summary>
    public required string EmailKey { get; set; }
    public required string PhoneNumber { get; set; }
    /// <summary>The registration that created this member; unique, so a redelivered record inserts nothing.</summary>
    public Guid RegistrationId { get; set; }
    public DateTime RegisteredAt { get; set; }
}
