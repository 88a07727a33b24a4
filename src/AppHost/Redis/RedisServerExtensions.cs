using System.Globalization;
using KafkaPractice.AppHost.Infrastructure;

namespace KafkaPractice.AppHost.Redis;

/// <summary>Local mode's <c>redis</c>: Debian's <c>redis-server</c> on 127.0.0.1.</summary>
public sealed class RedisServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

public static class RedisServerExtensions
{
    /// <summary>
    /// Runs <c>redis-server</c> without persistence: Redis is a cache here and MySQL the record, so a
    /// restart starts empty and the API rebuilds what it needs from MySQL (the same as losing Redis
    /// in production, which the system must survive anyway).
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(
        this IDistributedApplicationBuilder builder, string name, int port, string stateDirectory)
    {
        var redisServer = Executables.Require("redis-server", "redis-server");
        var workingDirectory = Path.Combine(stateDirectory, "redis");
        Directory.CreateDirectory(workingDirectory);

        var redis = builder.AddResource(new RedisServerResource(name, redisServer, workingDirectory))
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
            .WithArgs("--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--maxclients", "2000")
            .WithIconName("Memory");

        var key = $"{name}-check";
        builder.Services.AddHealthChecks().AddRedis(
            sp => redis.Resource.ConnectionStringExpression.GetValueAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()!,
            name: key);
        return redis.WithHealthCheck(key);
    }
}
