using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Simulation;
using Kitu.V2X.Portal.Tests.Integration.Live;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>
/// A vehicle identifier a charger reports is a claim: another owner's self-provisioned charger reporting a driver's
/// car does not make it "plugged in" there, two chargers claiming one car link neither, and a driver cannot take over
/// another driver's "I'm plugged in here" — over real SignalR links.
/// </summary>
public sealed class VehicleClaimTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private EvseConnections Connections => portal.Services.GetRequiredService<EvseConnections>();

    private VehicleClaims Claims => portal.Services.GetRequiredService<VehicleClaims>();

    [Fact]
    public async Task A_charger_of_another_owner_reporting_a_drivers_car_links_it_only_once_the_driver_confirms()
    {
        await using var rig = await portal.RigAsync(connect: false);
        await using var spoof = await ForeignChargerAsync(rig.Ev.Identifier);

        await rig.UntilAsync(() => Claims.PendingFor(rig.VehicleId)?.EvseId == spoof.EvseId, "the claim waits for the driver");
        Assert.Null(Connections.WhereIs(rig.Ev.Identifier));
        await using var scope = portal.Services.CreateAsyncScope();
        var now = scope.ServiceProvider.GetRequiredService<DriverNow>();
        var car = Assert.Single(await now.CarsAsync(rig.DriverId, Ct), c => c.VehicleId == rig.VehicleId);
        Assert.Null(car.EvseId);
        Assert.Equal(spoof.EvseId, car.ClaimToConfirm!.Value.EvseId);
        await rig.UntilAsync(async () => (await AuditAsync(rig.VehicleId)).Any(a => a.EvseId == spoof.EvseId && a.Outcome.StartsWith("plug-in claimed by a charger the driver does not trust", StringComparison.Ordinal)), "the claim is audited");

        Assert.False(await now.AnswerClaimAsync("someone-else", rig.VehicleId, spoof.EvseId, itIsMe: true, remember: false, Ct));
        Assert.True(await now.AnswerClaimAsync(rig.DriverId, rig.VehicleId, spoof.EvseId, itIsMe: true, remember: false, Ct));

        await rig.UntilAsync(() => Connections.WhereIs(rig.Ev.Identifier)?.EvseId == spoof.EvseId, "the confirmed claim links the car");
    }

    [Fact]
    public async Task A_claim_the_driver_denies_stays_unlinked_and_is_audited()
    {
        await using var rig = await portal.RigAsync(connect: false);
        await using var spoof = await ForeignChargerAsync(rig.Ev.Identifier);
        await rig.UntilAsync(() => Claims.PendingFor(rig.VehicleId) is not null, "the claim waits for the driver");
        await using var scope = portal.Services.CreateAsyncScope();

        Assert.True(await scope.ServiceProvider.GetRequiredService<DriverNow>().AnswerClaimAsync(rig.DriverId, rig.VehicleId, spoof.EvseId, itIsMe: false, remember: false, Ct));
        await spoof.ReportAsync();
        await Task.Delay(500, Ct);

        Assert.Null(Connections.WhereIs(rig.Ev.Identifier));
        Assert.Null(Claims.PendingFor(rig.VehicleId));
        Assert.Contains(await AuditAsync(rig.VehicleId), a => a.Outcome == "plug-in denied by the driver");
    }

    [Fact]
    public async Task Two_chargers_reporting_one_car_link_neither_tell_the_driver_and_are_audited()
    {
        await using var rig = await portal.RigAsync();
        Assert.Equal(rig.EvseId, Connections.WhereIs(rig.Ev.Identifier)?.EvseId);

        await using var spoof = await ForeignChargerAsync(rig.Ev.Identifier);

        await rig.UntilAsync(() => Claims.ConflictFor(rig.VehicleId).Count == 2, "both chargers are seen claiming the car");
        Assert.Null(Connections.WhereIs(rig.Ev.Identifier));
        await using var scope = portal.Services.CreateAsyncScope();
        var car = Assert.Single(await scope.ServiceProvider.GetRequiredService<DriverNow>().CarsAsync(rig.DriverId, Ct), c => c.VehicleId == rig.VehicleId);
        Assert.Equal(2, car.ClaimedByMany.Count);
        await rig.UntilAsync(async () => (await AuditAsync(rig.VehicleId)).Count(a => a.Outcome == "plug-in claim refused: 2 chargers report this car at once") == 2, "both chargers are audited");
        var audit = await AuditAsync(rig.VehicleId);
        Assert.Contains(audit, a => a.EvseId == rig.EvseId && a.Outcome == "plug-in claim refused: 2 chargers report this car at once");
        Assert.Contains(audit, a => a.EvseId == spoof.EvseId && a.Outcome == "plug-in claim refused: 2 chargers report this car at once");

        await spoof.PlugAsync(null);

        await rig.UntilAsync(() => Connections.WhereIs(rig.Ev.Identifier)?.EvseId == rig.EvseId, "the trusted charger alone links the car again");
        Assert.Empty(Claims.ConflictFor(rig.VehicleId));
    }

    [Fact]
    public async Task A_second_driver_cannot_take_over_a_plug_in_claim()
    {
        await using var rig = await portal.RigAsync(connect: false);
        rig.Evse.ReadsVehicleIdentifier = false;
        await rig.Evse.StartAsync(Ct);
        await rig.UntilAsync(() => Connections.Get(rig.EvseId)?.Status is not null, "status arrives");
        await using var scope = portal.Services.CreateAsyncScope();
        var now = scope.ServiceProvider.GetRequiredService<DriverNow>();
        var (otherDriver, otherCar) = await OtherDriversCarAsync();
        Assert.Null(await now.ClaimAsync(rig.DriverId, rig.EvseId, rig.VehicleId, Ct));

        var takeover = await now.ClaimAsync(otherDriver, rig.EvseId, otherCar, Ct);

        Assert.Equal("Another car is linked to this charger for this plug-in; if that is wrong, unplug and plug in again.", takeover);
        Assert.Equal(rig.EvseId, Connections.WhereIs(rig.Ev.Identifier)?.EvseId);
    }

    /// <summary>A charger at a site of another owner (self-provisioned, as anyone can), reporting a car it was told to claim.</summary>
    private async Task<VirtualEvse> ForeignChargerAsync(string identifier)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<PortalDbContext>();
        var stranger = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(Demo.DemoAccounts.Owner.Email))!.Id;
        var site = new Site { OwnerId = stranger, Name = $"Elsewhere {Guid.NewGuid():N}"[..20], UtilityName = "Test utility", Kind = SiteKind.Private };
        var evse = new Evse { SiteId = site.Id, Name = "Spoofing charger", Current = CurrentType.Dc, RatedChargeKw = 11, RatedDischargeKw = 11, OwnerAllowsDischarge = true };
        db.AddRange(site, evse);
        await db.SaveChangesAsync(Ct);
        var secret = await sp.GetRequiredService<EvseProvisioning>().IssueAsync(evse.Id, Ct);
        var spoof = new VirtualEvse(evse.Id, secret, portal.Address, 11, new VirtualEv(identifier, 60, 70, true), TimeProvider.System, TimeSpan.FromSeconds(1));
        await spoof.StartAsync(Ct);
        return spoof;
    }

    private async Task<(string DriverId, Guid VehicleId)> OtherDriversCarAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var other = new PortalUser { UserName = $"other.{Guid.NewGuid():N}@example.test", Email = $"other.{Guid.NewGuid():N}@example.test", EmailConfirmed = true };
        Assert.True((await users.CreateAsync(other, "Str0ng-enough!")).Succeeded);
        var db = sp.GetRequiredService<PortalDbContext>();
        var car = new Vehicle { OwnerId = other.Id, Name = "Other car", Make = "Kitu", BatteryKwh = 60, MaxDischargeKw = 11, SupportsDcDischarge = true, Identifier = $"OTHER-{Guid.NewGuid():N}"[..20].ToUpperInvariant() };
        db.Vehicles.Add(car);
        await db.SaveChangesAsync(Ct);
        return (other.Id, car.Id);
    }

    private async Task<List<Kitu.V2X.Portal.Domain.Mediation.AuditEntry>> AuditAsync(Guid vehicleId)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().AuditEntries.AsNoTracking().Where(a => a.VehicleId == vehicleId).ToListAsync(Ct);
    }
}
