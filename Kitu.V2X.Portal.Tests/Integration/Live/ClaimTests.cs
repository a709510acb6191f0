using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Drivers;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>"I'm plugged in here": at a charger that cannot read the car, the driver links the session to their car.</summary>
public sealed class ClaimTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_car_the_charger_cannot_read_discharges_once_its_driver_claims_the_session()
    {
        await using var rig = await portal.RigAsync(connect: false);
        rig.Evse.ReadsVehicleIdentifier = false;
        await rig.Evse.StartAsync(Ct);
        await rig.UntilAsync(() => rig.Evse.Grid is not null && rig.Evse.Policy is not null, "the EVSE is set up");
        await rig.DispatchAsync(kw: 5);
        Assert.Null(await rig.DecisionAsync()); // nobody known to be plugged in: nothing to decide

        await using var scope = portal.Services.CreateAsyncScope();
        var now = scope.ServiceProvider.GetRequiredService<DriverNow>();
        Assert.Equal(DriverVehicles.NotYours, await now.ClaimAsync("someone-else", rig.EvseId, rig.VehicleId, Ct));
        Assert.Null(await now.ClaimAsync(rig.DriverId, rig.EvseId, rig.VehicleId, Ct));

        await rig.UntilStateAsync(CommandState.Running);
        Assert.Contains(await now.CarsAsync(rig.DriverId, Ct), c => c.VehicleId == rig.VehicleId && c.EvseId == rig.EvseId);
    }

    [Fact]
    public async Task A_claim_ends_when_the_car_unplugs()
    {
        await using var rig = await portal.RigAsync(connect: false);
        rig.Evse.ReadsVehicleIdentifier = false;
        await rig.Evse.StartAsync(Ct);
        await rig.UntilAsync(() => portal.Services.GetRequiredService<Hubs.EvseConnections>().Get(rig.EvseId)?.Status is not null, "status arrives");
        await using var scope = portal.Services.CreateAsyncScope();
        var now = scope.ServiceProvider.GetRequiredService<DriverNow>();
        Assert.Null(await now.ClaimAsync(rig.DriverId, rig.EvseId, rig.VehicleId, Ct));

        await rig.Evse.PlugAsync(null);

        await rig.UntilAsync(() => portal.Services.GetRequiredService<Hubs.EvseConnections>().WhereIs(rig.Ev.Identifier) is null, "the claim ends");
        Assert.StartsWith("This charger does not report a plugged-in car", await now.ClaimAsync(rig.DriverId, rig.EvseId, rig.VehicleId, Ct), StringComparison.Ordinal);
    }
}
