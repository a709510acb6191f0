using Kitu.V2X.Portal.Hubs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Tests.Integration;

/// <summary>How long the portal keeps an EVSE link it hears nothing from: SignalR's 30 s, or the operator's setting within bounds.</summary>
public sealed class EvseLinkTimeoutTests
{
    [Theory]
    [InlineData(null, 30)]
    [InlineData("120", 120)]
    [InlineData("10", 30)] // never below twice a client's 15 s ping: that would drop links that are fine
    [InlineData("86400", 600)]
    public async Task The_evse_hub_drops_a_silent_link_after_the_time_set(string? setting, int seconds)
    {
        await using var portal = new Portal(setting);
        var options = portal.Services.GetRequiredService<IOptions<HubOptions<EvseHub>>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(seconds), options.ClientTimeoutInterval);
    }

    private sealed class Portal(string? timeout) : PortalFactory
    {
        protected override bool DemoEnabled => false;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            if (timeout is not null)
            {
                builder.UseSetting("Evse:ClientTimeoutSeconds", timeout);
            }
        }
    }
}
