using KafkaPractice.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace KafkaPractice.Tests.AppHost;

public sealed class InfrastructureModeTests
{
    private static IConfiguration Config(string? mode) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Infrastructure:Mode"] = mode })
        .Build();

    [Fact]
    public void Auto_chooses_containers_when_an_engine_answers()
    {
        var choice = InfrastructureModeResolver.Resolve(Config(null), runtime => runtime == "podman");

        Assert.Equal(InfrastructureMode.Containers, choice.Mode);
        Assert.Contains("podman", choice.Reason);
    }

    [Fact]
    public void Auto_tells_aspire_to_use_podman_when_only_podman_answers()
    {
        var configuration = Config(null);

        InfrastructureModeResolver.Resolve(configuration, runtime => runtime == "podman");

        Assert.Equal("podman", configuration[InfrastructureModeResolver.ContainerRuntimeKey]);
    }

    [Fact]
    public void Auto_leaves_aspire_on_docker_when_docker_answers()
    {
        var configuration = Config(null);

        InfrastructureModeResolver.Resolve(configuration, _ => true);

        Assert.Null(configuration[InfrastructureModeResolver.ContainerRuntimeKey]);
    }

    [Fact]
    public void Auto_falls_back_to_local_when_no_engine_answers()
    {
        var choice = InfrastructureModeResolver.Resolve(Config("auto"), _ => false);

        Assert.Equal(InfrastructureMode.Local, choice.Mode);
        Assert.Contains("no container engine answered", choice.Reason);
    }

    [Theory]
    [InlineData("Local", InfrastructureMode.Local)]
    [InlineData("containers", InfrastructureMode.Containers)]
    public void An_explicit_mode_is_used_without_probing(string value, InfrastructureMode expected)
    {
        var choice = InfrastructureModeResolver.Resolve(Config(value), _ => throw new InvalidOperationException("must not probe"));

        Assert.Equal(expected, choice.Mode);
    }

    [Fact]
    public void Missing_server_binary_names_the_package_and_the_docker_alternative()
    {
        var ex = Assert.Throws<MissingExecutableException>(() => Executables.Require("no-such-server-binary", "some-package"));

        Assert.Contains("apt-get install -y some-package", ex.Message);
        Assert.Contains("--Infrastructure:Mode=Containers", ex.Message);
    }
}
