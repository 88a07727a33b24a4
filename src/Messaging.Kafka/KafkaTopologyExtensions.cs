using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace KafkaPractice.Messaging.Kafka;

public static class KafkaTopologyExtensions
{
    /// <summary>
    /// Registers the <see cref="KafkaTopology"/> the AppHost passed in (section
    /// <see cref="KafkaTopology.SectionName"/>) and returns it, for the client rules at the call site.
    /// </summary>
    public static KafkaTopology AddKafkaTopology(this IHostApplicationBuilder builder)
    {
        var topology = KafkaTopology.From(builder.Configuration);
        builder.Services.TryAddSingleton(topology);
        return topology;
    }
}
