using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Sites;
using Kitu.V2X.Portal.Tests.Integration.Live;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>A secret the owner replaces (it leaked) stops working at once, for the link already open with it too.</summary>
public sealed class SecretRotationTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_secret_drops_the_link_opened_with_the_old_one_which_cannot_come_back()
    {
        await using var rig = await portal.RigAsync();
        var connections = portal.Services.GetRequiredService<EvseConnections>();
        var before = connections.Get(rig.EvseId)!.ConnectionId;

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var owner = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(Demo.DemoAccounts.Fleet.Email))!.Id;
            var issued = await scope.ServiceProvider.GetRequiredService<SiteAdministration>().RotateSecretAsync(owner, rig.EvseId, new Uri(portal.Address, EvseHub.Path).ToString(), Ct);
            Assert.NotNull(issued);
        }

        await rig.UntilAsync(() => connections.Get(rig.EvseId)?.ConnectionId != before, "the old link is dropped");
        await Task.Delay(2500, Ct); // the virtual charger retries every 0.5–1 s with its old secret
        Assert.Null(connections.Get(rig.EvseId));
    }
}
