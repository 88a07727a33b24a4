using KafkaPractice.Messaging;
using Microsoft.Extensions.Options;

namespace KafkaPractice.Consumer.Worker.Messaging;

public static class BatchConsumerExtensions
{
    /// <summary>
    /// Consumes <paramref name="topic"/> into <typeparamref name="THandler"/>: the options are named
    /// for the topic, bound from <c>Consumers</c> and then from <paramref name="sectionName"/>.
    /// </summary>
    public static IHostApplicationBuilder AddBatchConsumer<TMessage, THandler>(
        this IHostApplicationBuilder builder, string topic, string defaultGroupId, string sectionName, Func<byte[], TMessage> parse)
        where TMessage : IMessageContract
        where THandler : class, IBatchHandler<TMessage>
    {
        builder.Services.AddOptions<BatchConsumerOptions>(topic)
            .Configure(o =>
            {
                o.Topic = topic;
                o.GroupId = defaultGroupId;
            })
            .BindConfiguration(BatchConsumerOptions.SectionName)
            .BindConfiguration(sectionName)
            .Validate(o => o.GroupId.Length > 0 && o.MaxBatchSize > 0, $"{sectionName}: GroupId must be set and MaxBatchSize at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IMessageReader<TMessage>>(new ContractReader<TMessage>(parse));
        builder.Services.AddScoped<IBatchHandler<TMessage>, THandler>();
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<BatchConsumerService<TMessage>>(
            sp, sp.GetRequiredService<IOptionsMonitor<BatchConsumerOptions>>().Get(topic)));
        return builder;
    }
}
