using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Drivers;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Drivers;

/// <summary>Driver B can neither see nor change driver A's cars, settings, programs or history — by service or by page URL.</summary>
public sealed class DriverIsolationTests(DriverIsolationTests.Portal portal) : IClassFixture<DriverIsolationTests.Portal>
{
    private const string OtherEmail = "bea@example.test";
    private const string OtherPassword = "Other!2030.5";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cars_of_another_driver_are_invisible_and_untouchable()
    {
        var (sp, a, b, car) = await ArrangeAsync();
        var vehicles = sp.GetRequiredService<DriverVehicles>();

        Assert.DoesNotContain(await vehicles.ListAsync(b, Ct), v => v.Id == car);
        Assert.Null(await vehicles.LoadAsync(b, car, Ct));
        var errors = await vehicles.SaveAsync(b, new VehicleForm { Id = car, Name = "Mine now", Identifier = "HIJACK-1", BatteryKwh = 60 }, Ct);
        Assert.Equal(DriverVehicles.NotYours, errors["vehicle"]);
        Assert.False(await vehicles.RemoveAsync(b, car, Ct));
        Assert.Equal("Dana's car", (await vehicles.LoadAsync(a, car, Ct))!.Name);
    }

    [Fact]
    public async Task Settings_programs_and_history_of_another_driver_are_refused()
    {
        var (sp, a, b, car) = await ArrangeAsync();
        var settings = sp.GetRequiredService<DriverSettings>();
        var programs = sp.GetRequiredService<DriverPrograms>();
        var db = sp.GetRequiredService<PortalDbContext>();
        var program = await db.DischargePrograms.AsNoTracking().SingleAsync(p => p.Name == DemoFleet.ProgramName, Ct);
        db.AuditEntries.Add(new AuditEntry { At = DateTimeOffset.UtcNow, VehicleId = car, ProgramId = program.Id, Outcome = "refused", Reasons = [new Reason(ReasonCode.EvNoConsent, "You have not given consent.")] });
        await db.SaveChangesAsync(Ct);

        Assert.Null(await settings.LoadAsync(b, car, Ct));
        Assert.Equal(DriverVehicles.NotYours, (await settings.SaveAsync(b, car, new SettingsForm { Consent = false }, Ct))["vehicle"]);
        Assert.False(await settings.NotTodayAsync(b, car, true, Ct));
        Assert.Null(await programs.CatalogueAsync(b, car, Ct));
        Assert.False(await programs.LeaveAsync(b, car, program.Id, Ct));
        Assert.False(await programs.EnrollAsync(b, car, program.Id, Ct));
        Assert.Empty(await sp.GetRequiredService<DriverHistory>().ListAsync(b, Ct));

        Assert.True((await settings.LoadAsync(a, car, Ct))!.Consent);
        Assert.Contains(await programs.CatalogueAsync(a, car, Ct) ?? [], p => p.ProgramId == program.Id && p.Rank == 1);
        Assert.Contains(await sp.GetRequiredService<DriverHistory>().ListAsync(a, Ct), r => r.Outcome == "refused");
    }

    [Fact]
    public async Task Opening_another_driver_s_car_by_url_shows_not_found_and_nothing_of_it()
    {
        var (_, _, _, car) = await ArrangeAsync();
        var client = FormClient.CreateClient(portal);
        await FormClient.LoginAsync(client, OtherEmail, OtherPassword);

        var settingsPage = await client.GetStringAsync($"/cars/{car}/settings", Ct);
        var programsPage = await client.GetStringAsync($"/cars/{car}/programs", Ct);
        var carsPage = await client.GetStringAsync("/cars", Ct);

        Assert.Contains(DriverVehicles.NotYours, settingsPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Battery floor", settingsPage, StringComparison.Ordinal);
        Assert.Contains(DriverVehicles.NotYours, programsPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Dana", carsPage, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoFleet.DriverCar, carsPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_data_export_holds_the_caller_s_own_data_only()
    {
        await ArrangeAsync();
        var mine = FormClient.CreateClient(portal);
        await FormClient.LoginAsync(mine, DemoAccounts.Driver.Email);
        var other = FormClient.CreateClient(portal);
        await FormClient.LoginAsync(other, OtherEmail, OtherPassword);

        var driverExport = await mine.GetStringAsync(PrivacyExport.Path, Ct);
        var otherExport = await other.GetStringAsync(PrivacyExport.Path, Ct);
        var anonymous = await FormClient.CreateClient(portal).GetAsync(PrivacyExport.Path, Ct);

        Assert.Contains(DemoFleet.DriverCar, driverExport, StringComparison.Ordinal);
        Assert.Contains(DemoAccounts.Driver.Email, driverExport, StringComparison.Ordinal);
        Assert.DoesNotContain("KITU-FLEET", driverExport, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoFleet.DriverCar, otherExport, StringComparison.Ordinal);
        Assert.Contains(OtherEmail, otherExport, StringComparison.Ordinal);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, anonymous.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_driver_removes_their_cars_and_settings_but_keeps_the_audit_without_identity()
    {
        var (sp, _, _, _) = await ArrangeAsync();
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var db = sp.GetRequiredService<PortalDbContext>();
        var leaving = new PortalUser { UserName = "leaving@example.test", Email = "leaving@example.test", EmailConfirmed = true };
        Assert.True((await users.CreateAsync(leaving, OtherPassword)).Succeeded);
        var form = new VehicleForm { Name = "Leaving car", Identifier = "LEAVING-1", BatteryKwh = 50 };
        Assert.Empty(await sp.GetRequiredService<DriverVehicles>().SaveAsync(leaving.Id, form, Ct));
        db.AuditEntries.Add(new AuditEntry { At = DateTimeOffset.UtcNow, VehicleId = form.Id, Outcome = "refused" });
        await db.SaveChangesAsync(Ct);

        Assert.True((await users.DeleteAsync(leaving)).Succeeded);

        Assert.False(await db.Vehicles.AnyAsync(v => v.Id == form.Id, Ct));
        Assert.False(await db.DischargePreferences.AnyAsync(p => p.VehicleId == form.Id, Ct));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.VehicleId == form.Id, Ct));
    }

    [Fact]
    public async Task An_identifier_already_used_by_another_car_is_refused_without_saying_whose()
    {
        var (sp, _, b, _) = await ArrangeAsync();

        var errors = await sp.GetRequiredService<DriverVehicles>().SaveAsync(b, new VehicleForm { Name = "Copy", Identifier = DemoFleet.DriverCar.ToLowerInvariant(), BatteryKwh = 60 }, Ct);

        Assert.Contains("Another car already uses this identifier", errors["Identifier"], StringComparison.Ordinal);
        Assert.DoesNotContain("Dana", errors["Identifier"], StringComparison.Ordinal);
    }

    private async Task<(IServiceProvider Services, string A, string B, Guid Car)> ArrangeAsync()
    {
        var scope = portal.Services.CreateAsyncScope();
        TestContext.Current.CancellationToken.Register(() => scope.Dispose());
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var a = (await users.FindByEmailAsync(DemoAccounts.Driver.Email))!.Id;
        var other = await users.FindByEmailAsync(OtherEmail);
        if (other is null)
        {
            other = new PortalUser { UserName = OtherEmail, Email = OtherEmail, EmailConfirmed = true };
            Assert.True((await users.CreateAsync(other, OtherPassword)).Succeeded);
            Assert.True((await users.AddToRoleAsync(other, PortalRoles.Driver)).Succeeded);
        }

        var car = await sp.GetRequiredService<PortalDbContext>().Vehicles.Where(v => v.Identifier == DemoFleet.DriverCar).Select(v => v.Id).SingleAsync(Ct);
        return (sp, a, other.Id, car);
    }

    public sealed class Portal : PortalFactory;
}
