using Bunit;
using Kitu.V2X.Portal.Components.Layout;
using Kitu.V2X.Portal.ScaleOut;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Components;

/// <summary>The banner every page carries while this instance is out of touch with the others: there, and gone again, live.</summary>
public sealed class ScaleOutBannerTests : ComponentTestBase
{
    private readonly ScaleOutStatus several = new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Redis:Configuration"] = "redis:6379" }).Build());

    protected override void AddServices(IServiceCollection services) => services.AddSingleton(several);

    [Fact]
    public void Shows_while_redis_is_out_of_reach_and_goes_when_it_is_back()
    {
        var banner = Render<ScaleOutBanner>(); // not connected yet: out of touch
        Assert.Contains("Dispatching is paused", banner.Find("[data-testid='scale-out-banner']").TextContent, StringComparison.Ordinal);

        several.Set(true);
        banner.WaitForAssertion(() => Assert.Empty(banner.FindAll("[data-testid='scale-out-banner']")));

        several.Set(false);
        banner.WaitForAssertion(() => Assert.Single(banner.FindAll("[data-testid='scale-out-banner']")));
    }

    [Fact]
    public void One_instance_without_redis_never_shows_it()
    {
        var alone = new ScaleOutStatus(new ConfigurationBuilder().Build());

        Assert.False(alone.Degraded);
        using var context = new BannerAlone(alone);
        Assert.Empty(context.Render<ScaleOutBanner>().FindAll("[data-testid='scale-out-banner']"));
    }

    private sealed class BannerAlone(ScaleOutStatus status) : ComponentTestBase
    {
        protected override void AddServices(IServiceCollection services) => services.AddSingleton(status);
    }
}
