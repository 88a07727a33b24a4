using KafkaPractice.Consumer.Worker.Messaging;
using KafkaPractice.Messaging;
using KafkaPractice.Messaging.Members;

namespace KafkaPractice.Consumer.Worker.Members;

public static class MemberWorkerExtensions
{
    /// <summary>
    /// <c>create_member</c> -> MySQL. Settings in section <c>Consumers:Members</c>
    /// (<see cref="BatchConsumerOptions"/>); <c>Consumers:Replicas</c> applies to every consumer.
    /// </summary>
    public static IHostApplicationBuilder AddMemberRegistrations(this IHostApplicationBuilder builder)
    {
        builder.AddBatchConsumer<MemberRegistrationRequested, MemberRegistrationBatchHandler>(
            KafkaTopology.CreateMember, "member-registrations", "Consumers:Members", value => MemberRegistrationRequested.FromUtf8Json(value));
        builder.Services.AddHostedService<MemberCacheRebuilder>();
        return builder;
    }
}
