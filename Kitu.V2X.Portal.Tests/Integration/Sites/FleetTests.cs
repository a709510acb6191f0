using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Sites;

public sealed class FleetTests(SiteAdministrationTests.Portal portal) : IClassFixture<SiteAdministrationTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_fleet_manager_sets_floors_and_consent_in_bulk_on_their_own_vehicles_only()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var fleet = (await users.FindByEmailAsync(DemoAccounts.Fleet.Email))!.Id;
        var driver = (await users.FindByEmailAsync(DemoAccounts.Driver.Email))!.Id;
        var service = sp.GetRequiredService<FleetVehicles>();
        var vans = await service.ListAsync(fleet, Ct);
        var driversCar = await sp.GetRequiredService<PortalDbContext>().Vehicles.AsNoTracking().SingleAsync(v => v.Identifier == DemoFleet.DriverCar, Ct);

        var (changed, error) = await service.SetAsync(fleet, [.. vans.Select(v => v.VehicleId), driversCar.Id], null, 55, Ct);

        Assert.Null(error);
        Assert.Equal(6, changed);
        Assert.All(await service.ListAsync(fleet, Ct), v => Assert.Equal(55, v.FloorPercent));
        Assert.Equal(40, (await sp.GetRequiredService<PortalDbContext>().DischargePreferences.AsNoTracking().SingleAsync(p => p.VehicleId == driversCar.Id, Ct)).SocFloorPercent);
        Assert.Empty(await service.ListAsync("nobody", Ct));
        Assert.DoesNotContain(await service.ListAsync(driver, Ct), v => v.Name.StartsWith("Van", StringComparison.Ordinal));
        Assert.Equal("Choose a floor between 10 % and 90 %.", (await service.SetAsync(fleet, [vans[0].VehicleId], null, 95, Ct)).Error);
    }
}
