using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KafkaPractice.Kafka.Emulator.Tests;

/// <summary>The control API can stop brokers and takes no credential: it listens on loopback only, whatever the configuration says.</summary>
public sealed class ControlApiBindingTests
{
    [Theory]
    [InlineData("urls", "http://0.0.0.0:0")]
    [InlineData("urls", "http://*:0")]
    [InlineData("urls", "http://+:0")]
    [InlineData("urls", "http://[::]:0")]
    [InlineData("urls", "http://192.0.2.10:0")]
    [InlineData("urls", "http://example.com:0")]
    [InlineData("urls", "http://localhost.example.com:0")]
    [InlineData("urls", "http://127.0.0.1:0;http://0.0.0.0:0")]
    [InlineData("urls", "0.0.0.0:9190")]
    [InlineData("http_ports", "9190")]
    [InlineData("https_ports", "9191")]
    [InlineData("Kestrel:Endpoints:Control:Url", "http://0.0.0.0:0")]
    public void A_non_loopback_address_in_configuration_is_refused_before_anything_listens(string setting, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => EmulatorHost.Build([], [new(setting, value)]));
        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_loopback_address_on_the_command_line_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => EmulatorHost.Build(["--urls", "http://0.0.0.0:0"]));

    [Theory]
    [InlineData("http://127.0.0.1:9190")]
    [InlineData("http://127.0.0.2:9190")]
    [InlineData("http://localhost:9190")]
    [InlineData("http://[::1]:9190")]
    [InlineData("https://127.0.0.1:9190")]
    public void Loopback_addresses_are_accepted(string url) => Assert.True(ControlApiBinding.IsLoopback(url));

    [Fact]
    public async Task A_running_emulator_answers_on_loopback_and_not_on_the_machines_other_addresses()
    {
        await using var cluster = await TestCluster.StartAsync();
        var addresses = cluster.Emulator.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.NotEmpty(addresses);
        Assert.All(addresses, a => Assert.True(ControlApiBinding.IsLoopback(a), a));

        var port = cluster.Emulator.ControlUrl.Port;
        using (var loopback = new TcpClient())
        {
            await loopback.ConnectAsync(IPAddress.Loopback, port);
        }
        var others = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .ToList();
        foreach (var address in others)
        {
            using var client = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(address, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }
}
