using System.Diagnostics;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Sites;

/// <summary>Sites and chargers of one owner: policies, provisioning, CSV, and nothing of another owner's.</summary>
public sealed class SiteAdministrationTests(SiteAdministrationTests.Portal portal) : IClassFixture<SiteAdministrationTests.Portal>
{
    private const string Hub = "http://localhost/hubs/evse";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_site_with_policies_is_saved_and_bad_values_are_named()
    {
        var (sp, owner, _) = await ArrangeAsync();
        var sites = sp.GetRequiredService<SiteAdministration>();

        var bad = await sites.SaveAsync(owner, new SiteForm { Name = "", UtilityName = "", TimeZoneId = "Mars/Olympus", SocFloorPercent = 95, MaxExportKw = 0, AllowedFrom = new(18, 0, 0) }, Ct);
        Assert.Equal(["AllowedHours", "MaxExportKw", "Name", "SocFloorPercent", "TimeZoneId", "UtilityName"], bad.Keys.Order());

        var form = new SiteForm { Name = "Yard", UtilityName = "Sandbox Utility (demo)", Kind = SiteKind.Private, SocFloorPercent = 50, MaxExportKw = 40, AllowedFrom = new(17, 0, 0), AllowedTo = new(21, 0, 0) };
        Assert.Empty(await sites.SaveAsync(owner, form, Ct));
        var saved = (await sites.LoadAsync(owner, form.Id!.Value, Ct))!;
        Assert.Equal((50.0, 40.0, new TimeSpan(17, 0, 0)), (saved.SocFloorPercent!.Value, saved.MaxExportKw!.Value, saved.AllowedFrom!.Value));
    }

    [Fact]
    public async Task An_added_charger_gets_a_secret_shown_once_that_authenticates_and_a_rotation_replaces_it()
    {
        var (sp, owner, siteId) = await ArrangeAsync();
        var sites = sp.GetRequiredService<SiteAdministration>();
        var db = sp.GetRequiredService<PortalDbContext>();

        var (error, credentials) = await sites.AddEvseAsync(owner, siteId, new EvseForm { Name = $"New {Guid.NewGuid():N}"[..12] }, Hub, Ct);

        Assert.Null(error);
        var stored = await db.EvseCredentials.AsNoTracking().SingleAsync(c => c.EvseId == credentials!.EvseId, Ct);
        Assert.True(stored.Matches(credentials!.Secret));
        Assert.DoesNotContain(credentials.Secret, Encoding.UTF8.GetString(stored.SecretHash), StringComparison.Ordinal);
        Assert.Contains($"secret={credentials.Secret}", credentials.QrText, StringComparison.Ordinal);

        var rotated = await sites.RotateSecretAsync(owner, credentials.EvseId, Hub, Ct);
        var after = await db.EvseCredentials.AsNoTracking().SingleAsync(c => c.EvseId == credentials.EvseId, Ct);
        Assert.False(after.Matches(credentials.Secret));
        Assert.True(after.Matches(rotated!.Secret));
    }

    [Fact]
    public async Task Another_owner_can_neither_see_nor_change_the_site_or_its_chargers()
    {
        var (sp, owner, siteId) = await ArrangeAsync();
        var sites = sp.GetRequiredService<SiteAdministration>();
        var other = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Owner.Email))!.Id;
        var bay = await sp.GetRequiredService<PortalDbContext>().Evses.AsNoTracking().FirstAsync(e => e.SiteId == siteId, Ct);

        Assert.DoesNotContain(await sites.SitesAsync(other, Ct), s => s.Id == siteId);
        Assert.Null(await sites.LoadAsync(other, siteId, Ct));
        Assert.Equal(SiteAdministration.NotYours, (await sites.SaveAsync(other, new SiteForm { Id = siteId, Name = "Taken", UtilityName = "U", TimeZoneId = "UTC" }, Ct))["site"]);
        Assert.Equal(SiteAdministration.NotYours, (await sites.AddEvseAsync(other, siteId, new EvseForm { Name = "Sneaky" }, Hub, Ct)).Error);
        Assert.Null(await sites.RotateSecretAsync(other, bay.Id, Hub, Ct));
        Assert.False(await sites.RemoveEvseAsync(other, bay.Id, Ct));
        Assert.Null(await sites.ExportAsync(other, siteId, Ct));
        Assert.Null(await sp.GetRequiredService<LotDashboard>().RowsAsync(other, siteId, Ct));
        Assert.False((await sites.ImportAsync(other, siteId, SiteAdministration.CsvHeader + "\nX,DC,11,11,,,", Ct)).Imported);
        Assert.True(await sp.GetRequiredService<PortalDbContext>().Evses.AnyAsync(e => e.Id == bay.Id, Ct));
    }

    [Fact]
    public async Task Every_switch_and_policy_change_is_in_the_site_audit_for_its_owner_only()
    {
        var (sp, owner, siteId) = await ArrangeAsync();
        var bay = await sp.GetRequiredService<PortalDbContext>().Evses.AsNoTracking().FirstAsync(e => e.SiteId == siteId, Ct);
        var chargers = sp.GetRequiredService<ChargerGridSwitch>();

        Assert.True(await chargers.SetAllowDischargeAsync(owner, bay.Id, false, Ct));
        Assert.True(await chargers.SetAllowDischargeAsync(owner, bay.Id, true, Ct));
        var form = (await sp.GetRequiredService<SiteAdministration>().LoadAsync(owner, siteId, Ct))!;
        form.MaxExportKw = 90;
        Assert.Empty(await sp.GetRequiredService<SiteAdministration>().SaveAsync(owner, form, Ct));

        var audit = (await sp.GetRequiredService<SiteAudit>().ListAsync(owner, siteId, Ct))!;
        Assert.Contains(audit, a => a.What == $"{bay.Name}: discharge forbidden" && a.Who == DemoAccounts.Fleet.DisplayName);
        Assert.Contains(audit, a => a.What == $"{bay.Name}: discharge allowed");
        Assert.Contains(audit, a => a.What.StartsWith("Site saved:", StringComparison.Ordinal) && a.What.Contains("export limit 90", StringComparison.Ordinal));
        var other = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Owner.Email))!.Id;
        Assert.Null(await sp.GetRequiredService<SiteAudit>().ListAsync(other, siteId, Ct));
    }

    [Fact]
    public async Task Opening_another_owner_s_site_by_url_shows_not_found()
    {
        var (_, _, depot) = await ArrangeAsync();
        var client = FormClient.CreateClient(portal);
        await FormClient.LoginAsync(client, DemoAccounts.Owner.Email);

        var page = await client.GetStringAsync($"/sites/{depot}", Ct);
        var fleetPage = await client.GetStringAsync("/fleet", Ct);

        Assert.Contains(SiteAdministration.NotYours, page, StringComparison.Ordinal);
        Assert.DoesNotContain("Bay 1", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Van 1", fleetPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_csv_with_one_bad_line_imports_nothing_and_names_the_line()
    {
        var (sp, owner, siteId) = await ArrangeAsync();
        var sites = sp.GetRequiredService<SiteAdministration>();
        var before = await sp.GetRequiredService<PortalDbContext>().Evses.CountAsync(e => e.SiteId == siteId, Ct);

        var (imported, report) = await sites.ImportAsync(owner, siteId, SiteAdministration.CsvHeader + "\nGood 1,DC,25,25,Kitu,X,1\nBad 2,XC,25,25,,,\nGood 3,AC,11,eleven,,,", Ct);

        Assert.False(imported);
        Assert.Equal([3, 4], report.Where(r => r.Error is not null).Select(r => r.Line));
        Assert.Contains("AC or DC", report.Single(r => r.Line == 3).Error, StringComparison.Ordinal);
        Assert.Equal(before, await sp.GetRequiredService<PortalDbContext>().Evses.CountAsync(e => e.SiteId == siteId, Ct));
    }

    [Theory]
    [InlineData("NaN", "11")]
    [InlineData("11", "Infinity")]
    [InlineData("-Infinity", "11")]
    [InlineData("1e999", "11")]
    public async Task A_csv_rating_that_is_not_a_finite_number_is_refused(string charge, string discharge)
    {
        var (sp, owner, siteId) = await ArrangeAsync();

        var (imported, report) = await sp.GetRequiredService<SiteAdministration>().ImportAsync(owner, siteId, SiteAdministration.CsvHeader + $"\nOdd,DC,{charge},{discharge},,,", Ct);

        Assert.False(imported);
        Assert.Equal("Ratings are between 0 and 1,000 kW (charge above 0).", Assert.Single(report, r => r.Error is not null).Error);
    }

    [Theory]
    [InlineData(double.NaN, null)]
    [InlineData(null, double.PositiveInfinity)]
    public async Task A_site_policy_that_is_not_a_finite_number_is_refused(double? floor, double? export)
    {
        var (sp, owner, _) = await ArrangeAsync();
        var form = new SiteForm { Name = $"Odd {Guid.NewGuid():N}"[..12], UtilityName = "U", Kind = SiteKind.Private, TimeZoneId = "UTC", SocFloorPercent = floor, MaxExportKw = export };

        var errors = await sp.GetRequiredService<SiteAdministration>().SaveAsync(owner, form, Ct);

        Assert.Single(errors);
        Assert.Null(form.Id);
    }

    [Fact]
    public async Task Two_hundred_chargers_import_and_export_round_trip()
    {
        var (sp, owner, _) = await ArrangeAsync();
        var sites = sp.GetRequiredService<SiteAdministration>();
        var form = new SiteForm { Name = $"Big lot {Guid.NewGuid():N}"[..16], UtilityName = "U", Kind = SiteKind.Private, TimeZoneId = "UTC" };
        Assert.Empty(await sites.SaveAsync(owner, form, Ct));
        var csv = new StringBuilder(SiteAdministration.CsvHeader).Append('\n');
        for (var i = 1; i <= 200; i++)
        {
            csv.Append($"Post {i:000},{(i % 2 == 0 ? "AC" : "DC")},22,{(i % 2 == 0 ? 11 : 22)},Kitu,Lot,S{i:0000}\n");
        }

        var clock = Stopwatch.StartNew();
        var (imported, report) = await sites.ImportAsync(owner, form.Id!.Value, csv.ToString(), Ct);
        clock.Stop();
        TestContext.Current.SendDiagnosticMessage($"200-charger CSV import: {clock.ElapsedMilliseconds} ms");

        Assert.True(imported, string.Join("; ", report.Where(r => r.Error is not null).Select(r => r.Error)));
        var exported = await sites.ExportAsync(owner, form.Id.Value, Ct);
        Assert.Equal(201, exported!.Trim().Split('\n').Length);
        Assert.Contains("Post 007,DC,22,22,Kitu,Lot,S0007", exported, StringComparison.Ordinal);
    }

    private async Task<(IServiceProvider Services, string Owner, Guid DepotId)> ArrangeAsync()
    {
        var scope = portal.Services.CreateAsyncScope();
        TestContext.Current.CancellationToken.Register(() => scope.Dispose());
        var sp = scope.ServiceProvider;
        var owner = (await sp.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(DemoAccounts.Fleet.Email))!.Id;
        var depot = await sp.GetRequiredService<PortalDbContext>().Sites.AsNoTracking().SingleAsync(s => s.OwnerId == owner && s.Name == "Depot lot", Ct);
        return (sp, owner, depot.Id);
    }

    public sealed class Portal : PortalFactory;
}
