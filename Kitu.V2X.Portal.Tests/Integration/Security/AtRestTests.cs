using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>What lies in the data folder is for the portal's user only, and its key ring is encrypted; demo mode keeps to its own accounts.</summary>
public sealed class AtRestTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_data_folder_is_the_portals_user_only_and_the_key_ring_is_encrypted()
    {
        _ = portal.Services; // started: migrated, seeded, keys made
        var data = portal.Services.GetRequiredService<PortalStorage>().DataDirectory;
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes: the portal runs on Linux here.");
            return;
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        foreach (var file in Directory.EnumerateFiles(data, "*.db"))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        // The key ring: files in the data folder on SQLite; rows of the portal database on PostgreSQL (shared by the instances).
        List<string> keys;
        if (PortalFactory.Engine == StorageProvider.Sqlite)
        {
            keys = [.. Directory.GetFiles(Path.Combine(data, "keys"), "*.xml").Select(File.ReadAllText)];
        }
        else
        {
            using var scope = portal.Services.CreateScope();
            keys = [.. scope.ServiceProvider.GetRequiredService<PortalDbContext>().DataProtectionKeys.Select(k => k.Xml!)];
        }

        Assert.NotEmpty(keys);
        foreach (var xml in keys)
        {
            Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", xml, StringComparison.Ordinal); // an unencrypted master key is written as <masterKey><value>…
        }
    }

    [Fact]
    public async Task Demo_mode_plugs_and_binds_only_the_demo_owners_chargers_even_at_a_site_named_for_the_demo_utility()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var someone = new PortalUser { UserName = $"someone.{Guid.NewGuid():N}@example.test", Email = $"someone.{Guid.NewGuid():N}@example.test", EmailConfirmed = true };
        Assert.True((await users.CreateAsync(someone, "Str0ng-enough!")).Succeeded);
        var db = sp.GetRequiredService<PortalDbContext>();
        var site = new Site { OwnerId = someone.Id, Name = "Home", Kind = SiteKind.Home, UtilityName = DemoSites.Utility, TimeZoneId = "UTC" };
        var lot = new Site { OwnerId = someone.Id, Name = "Depot lot", Kind = SiteKind.Private, UtilityName = DemoSites.Utility, TimeZoneId = "UTC" };
        var charger = new Evse { SiteId = site.Id, Name = "Garage charger", Current = CurrentType.Dc, RatedChargeKw = 11, RatedDischargeKw = 11 };
        var bay = new Evse { SiteId = lot.Id, Name = "Bay 1", Current = CurrentType.Dc, RatedChargeKw = 11, RatedDischargeKw = 11 };
        db.AddRange(site, lot, charger, bay);
        await db.SaveChangesAsync(Ct);

        var plan = await DemoFleet.PlugPlanAsync(db, Ct);
        var bays = await DemoFleet.DepotBaysToBindAsync(db, Ct);

        Assert.NotEmpty(plan);
        Assert.DoesNotContain(plan, p => p.Evse.Id == charger.Id || p.Evse.Id == bay.Id);
        Assert.DoesNotContain(bays, b => b.Id == bay.Id);
    }
}
