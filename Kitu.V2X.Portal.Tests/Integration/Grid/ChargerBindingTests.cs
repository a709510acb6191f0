using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// The owner's bind switch through the whole portal: ownership checks on the consumer side, then the grid module's
/// session against the sandbox server the portal started (real TLS on loopback).
/// </summary>
public sealed class ChargerBindingTests(ChargerBindingTests.Portal portal) : IClassFixture<ChargerBindingTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_homeowner_binds_the_garage_charger_and_it_is_registered_then_follows_a_limit()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var (chargers, ownerId, garage, server) = await GarageAsync(scope);

        var result = Assert.Single(await chargers.BindAsync(ownerId, [garage.EvseId], server, "111115", Ct));

        Assert.True(result.Outcome.Succeeded, result.Outcome.Error);
        Assert.Equal(GridIntegration.Integrated, result.Outcome.Rules!.Integration);
        var text = GridStatusText.Describe(result.Outcome.Rules, TimeZoneInfo.Utc);
        Assert.StartsWith("Registered with Sandbox Utility (SFDI ", text, StringComparison.Ordinal);
        Assert.EndsWith("Now: no limits from the grid.", text, StringComparison.Ordinal);
        var stored = await scope.ServiceProvider.GetRequiredService<GridDbContext>().GridBindings.AsNoTracking().SingleAsync(b => b.EvseId == garage.EvseId, Ct);
        Assert.Equal(DeviceIdentity.CheckDigit(stored.Sfdi / 10), stored.Sfdi % 10);

        portal.Services.GetRequiredService<SandboxState>().LimitExport(50, TimeSpan.FromMinutes(10));
        var limited = await portal.Services.GetRequiredService<GridClientWorker>().PollNowAsync(garage.EvseId, Ct);

        Assert.Equal(50, limited.ExportLimitPercent);
        Assert.Equal(5_750, limited.ExportLimitW);
        Assert.Contains("Now: export limited to 50 % until ", GridStatusText.Describe(limited, TimeZoneInfo.Utc), StringComparison.Ordinal);
        Assert.Equal(limited, portal.Services.GetRequiredService<GridRulesFeed>().Get(garage.EvseId));

        await chargers.UnbindAsync(ownerId, [garage.EvseId], Ct);
        Assert.Equal(GridIntegration.NotBound, portal.Services.GetRequiredService<GridRulesFeed>().Get(garage.EvseId).Integration);
        Assert.False(await scope.ServiceProvider.GetRequiredService<GridDbContext>().GridBindings.AnyAsync(b => b.EvseId == garage.EvseId, Ct));
    }

    [Fact]
    public async Task A_pin_that_is_not_six_digits_with_a_check_digit_is_refused_before_anything_is_stored()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var (chargers, ownerId, garage, server) = await GarageAsync(scope);

        var result = Assert.Single(await chargers.BindAsync(ownerId, [garage.EvseId], server, "123456", Ct));

        Assert.Contains("six digits", result.Outcome.Error, StringComparison.Ordinal);
        Assert.False(await scope.ServiceProvider.GetRequiredService<GridDbContext>().GridBindings.AnyAsync(b => b.EvseId == garage.EvseId, Ct));
    }

    [Fact]
    public async Task Another_owner_can_neither_see_nor_bind_nor_unbind_nor_allow_the_homeowners_charger()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var (chargers, _, garage, server) = await GarageAsync(scope);
        var fleetId = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Fleet.Email))!.Id;

        Assert.DoesNotContain(await chargers.ListAsync(fleetId, Ct), c => c.EvseId == garage.EvseId);
        var bind = Assert.Single(await chargers.BindAsync(fleetId, [garage.EvseId], server, null, Ct));
        Assert.Equal(ChargerGridSwitch.NotYours, bind.Outcome.Error);
        Assert.Equal(0, await chargers.UnbindAsync(fleetId, [garage.EvseId], Ct));
        Assert.False(await chargers.SetAllowDischargeAsync(fleetId, garage.EvseId, true, Ct));
        Assert.False(await scope.ServiceProvider.GetRequiredService<GridDbContext>().GridBindings.AnyAsync(b => b.EvseId == garage.EvseId, Ct));
    }

    [Fact]
    public async Task A_disabled_server_cannot_be_chosen()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var (chargers, ownerId, garage, _) = await GarageAsync(scope);
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var disabled = new ApprovedServer { Name = "Retired", UtilityName = "Old utility", DeviceCapabilityUrl = "https://retired.example/dcap", TrustAnchorPem = "x", Enabled = false };
        db.ApprovedServers.Add(disabled);
        await db.SaveChangesAsync(Ct);

        var result = Assert.Single(await chargers.BindAsync(ownerId, [garage.EvseId], disabled.Id, null, Ct));

        Assert.Contains("not an enabled approved server", result.Outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(await chargers.ServersAsync(Ct), s => s.Id == disabled.Id);
    }

    private static async Task<(ChargerGridSwitch Chargers, string OwnerId, ChargerRow Garage, Guid Server)> GarageAsync(AsyncServiceScope scope)
    {
        var sp = scope.ServiceProvider;
        var ownerId = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Owner.Email))!.Id;
        var chargers = sp.GetRequiredService<ChargerGridSwitch>();
        var garage = Assert.Single(await chargers.ListAsync(ownerId, Ct));
        Assert.Equal("Garage charger", garage.Name);
        var server = Assert.Single(await chargers.ServersAsync(Ct)).Id;
        return (chargers, ownerId, garage, server);
    }

    /// <summary>One portal for this class (the tests touch the same demo charger, so they run one after another).</summary>
    public sealed class Portal : PortalFactory
    {
        public Portal() => _ = Server; // start the host, the sandbox and the grid worker
    }
}
