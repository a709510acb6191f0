using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>The screens' read models against a live mediator: one current truth, reasons where a manager looks, pages told only about their own.</summary>
public sealed class ScreenTruthTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_refused_car_shows_why_on_the_lot_and_on_the_driver_s_card_and_once_the_event_is_cancelled_only_in_the_history()
    {
        await using var rig = await portal.RigAsync(soc: 39, floor: 40);
        var notifier = portal.Services.GetRequiredService<MediatorNotifier>();
        var heardCar = 0;
        var heardOther = 0;
        using var carWatch = notifier.Watch(new ChangeScope().Add(vehicle: rig.VehicleId), () => Interlocked.Increment(ref heardCar));
        using var otherWatch = notifier.Watch(new ChangeScope().Add(vehicle: Guid.NewGuid(), evse: Guid.NewGuid()), () => Interlocked.Increment(ref heardOther));

        var eventId = await rig.DispatchAsync();
        await rig.UntilFoundAsync(async () => await rig.DecisionAsync() is { Accepted: false } d ? d : null, "the refusal");
        await rig.UntilAsync(() => Volatile.Read(ref heardCar) > 0, "the car's watch hears the refusal");

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var owner = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Fleet.Email))!.Id;
            var siteId = await sp.GetRequiredService<PortalDbContext>().Evses.Where(e => e.Id == rig.EvseId).Select(e => e.SiteId).SingleAsync(Ct);
            var bay = (await sp.GetRequiredService<LotDashboard>().RowsAsync(owner, siteId, Ct))!.Single(r => r.EvseId == rig.EvseId);
            Assert.True(bay.NeedsAttention);
            Assert.StartsWith("Refused for Program ", bay.Activity, StringComparison.Ordinal);
            Assert.Contains(ReasonCatalog.Of(ReasonCode.EvSocAtFloor).Meaning, bay.Activity, StringComparison.Ordinal);
            Assert.DoesNotContain("Your car", bay.Activity, StringComparison.Ordinal); // another owner's car: the general reason, not the driver's floor

            var car = (await sp.GetRequiredService<DriverNow>().CarsAsync(rig.DriverId, Ct)).Single(c => c.VehicleId == rig.VehicleId);
            Assert.Equal(CarNowState.Refused, car.State);
            Assert.Contains(car.LastDecision!.Reasons, r => r.Code == ReasonCode.EvSocAtFloor);
        }

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PortalDbContext>().ProgramEvents.Where(e => e.Id == eventId)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.CancelledAt, DateTimeOffset.UtcNow), Ct);
        }

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var car = (await sp.GetRequiredService<DriverNow>().CarsAsync(rig.DriverId, Ct)).Single(c => c.VehicleId == rig.VehicleId);
            Assert.Equal(CarNowState.Waiting, car.State); // a cancelled event's refusal is no longer the current truth
            Assert.Null(car.LastDecision);
            Assert.Contains(car.History, h => h.Text.Contains("not discharging", StringComparison.Ordinal) && h.Text.Contains("floor", StringComparison.Ordinal));
            var owner = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Fleet.Email))!.Id;
            var siteId = await sp.GetRequiredService<PortalDbContext>().Evses.Where(e => e.Id == rig.EvseId).Select(e => e.SiteId).SingleAsync(Ct);
            var bay = (await sp.GetRequiredService<LotDashboard>().RowsAsync(owner, siteId, Ct))!.Single(r => r.EvseId == rig.EvseId);
            Assert.Null(bay.Activity);
            Assert.False(bay.NeedsAttention);
        }

        Assert.Equal(0, Volatile.Read(ref heardOther));
    }
}
