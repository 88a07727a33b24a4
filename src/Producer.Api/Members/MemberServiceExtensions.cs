namespace KafkaPractice.Producer.Api.Members;

public static class MemberServiceExtensions
{
    /// <summary>The member flow: validation happens in the endpoint, the rest in <see cref="MemberRegistrationService"/>.</summary>
    public static IHostApplicationBuilder AddMembers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MemberRegistrationService>();
        return builder;
    }
}
