using System.Globalization;

namespace KafkaPractice.Tests.AppHost;

/// <summary>
/// The services' GC gen0 budget (docs/performance.md, "A 4 MiB gen0 budget") reaches the API and the
/// worker in the form the runtime reads: <c>DOTNET_GCgen0size</c>, a hexadecimal number of bytes, as
/// every <c>DOTNET_GC*</c> number setting.
/// </summary>
public sealed class Gen0BudgetSettingsTests
{
    private static readonly string[] Services = ["producer-api", "consumer-worker"];

    [Fact]
    public async Task The_api_and_the_worker_get_a_4_MiB_gen0_budget_by_default()
    {
        var environments = await ServiceEnvironments.OfDotNetServicesAsync();

        foreach (var service in Services)
        {
            var value = Assert.IsType<string>(environments[service]["DOTNET_GCgen0size"]);
            Assert.StartsWith("0x", value, StringComparison.Ordinal);
            Assert.Equal(4 * 1024 * 1024, long.Parse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task A_budget_of_zero_leaves_the_runtime_its_own()
    {
        var environments = await ServiceEnvironments.OfDotNetServicesAsync("--Services:Gen0BudgetBytes=0");

        foreach (var service in Services)
        {
            Assert.DoesNotContain("DOTNET_GCgen0size", environments[service].Keys);
        }
    }
}
