using KafkaPractice.ServiceDefaults.Telemetry;

namespace KafkaPractice.Tests.Observability;

public sealed class PiiRedactionTests
{
    [Fact]
    public void A_duplicate_key_message_loses_the_value_it_quotes()
    {
        var redacted = PiiRedaction.Redact("Duplicate entry 'ada.l+x@example.co.uk' for key 'ix_members_email_key'");
        Assert.Equal("Duplicate entry '[redacted]' for key 'ix_members_email_key'", redacted);
    }

    [Fact]
    public void Email_addresses_anywhere_are_replaced()
    {
        Assert.Equal("member [email] refused", PiiRedaction.Redact("member ada@example.com refused"));
    }

    [Fact]
    public void The_innermost_exception_is_described_with_its_type()
    {
        var ex = new InvalidOperationException("outer", new ArgumentException("bad value bob@example.org"));
        Assert.Equal("ArgumentException: bad value [email]", PiiRedaction.Describe(ex));
    }

    [Fact]
    public void Record_coordinates_and_ids_are_kept()
    {
        const string text = "create_member[0]@12-15 registration 01a2148f-45d2-7837-9a4f-b3761c473993 at 10.0.0.1:3306";
        Assert.Equal(text, PiiRedaction.Redact(text));
    }
}
