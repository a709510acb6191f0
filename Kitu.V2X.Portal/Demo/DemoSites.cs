using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Demo;

/// <summary>
/// The demo sites and chargers: the homeowner's garage charger, the fleet manager's depot lot of six and a public
/// site of three (one of them an OCPP 2.1 station). None is bound to the grid layer at first — binding is the first step of the demo. Idempotent.
/// </summary>
internal static class DemoSites
{
    public const string Utility = "Sandbox Utility (demo)";
    public const string TimeZone = "America/Los_Angeles";

    /// <summary>The street site's third charger speaks OCPP 2.1 to the gateway: the demo lot mixes both transports.</summary>
    public const string OcppPost = "OCPP post 3";
    public const string OcppPostStationId = "KS-003";

    public static async Task SeedAsync(PortalDbContext db, string ownerId, string fleetId, CancellationToken ct)
    {
        if (await db.Sites.AnyAsync(s => s.OwnerId == ownerId || s.OwnerId == fleetId, ct))
        {
            return;
        }

        var home = new Site { OwnerId = ownerId, Name = "Home", Kind = SiteKind.Home, UtilityName = Utility, TimeZoneId = TimeZone, Address = "12 Elm Street" };
        var depot = new Site
        {
            OwnerId = fleetId,
            Name = "Depot lot",
            Kind = SiteKind.Private,
            UtilityName = Utility,
            TimeZoneId = TimeZone,
            Address = "400 Harbor Way",
            Policy = new SitePolicy { SocFloorPercent = 30, MaxExportKw = 100 },
        };
        var street = new Site { OwnerId = fleetId, Name = "Harbor Street public chargers", Kind = SiteKind.Public, UtilityName = Utility, TimeZoneId = TimeZone };
        db.Sites.AddRange(home, depot, street);

        db.Evses.Add(new Evse { SiteId = home.Id, Name = "Garage charger", Current = CurrentType.Dc, RatedChargeKw = 11.5, RatedDischargeKw = 11.5, Make = "Kitu", Model = "Home DC 11", SerialNumber = "KH11-000123" });
        for (var bay = 1; bay <= 6; bay++)
        {
            var dc = bay <= 4;
            db.Evses.Add(new Evse
            {
                SiteId = depot.Id,
                Name = $"Bay {bay}",
                Current = dc ? CurrentType.Dc : CurrentType.Ac,
                RatedChargeKw = dc ? 25 : 11,
                RatedDischargeKw = dc ? 25 : 11,
                Make = "Kitu",
                Model = dc ? "Depot DC 25" : "Depot AC 11",
                SerialNumber = $"KD-{bay:000}",
                OwnerAllowsDischarge = true,
            });
        }

        for (var post = 1; post <= 2; post++)
        {
            db.Evses.Add(new Evse { SiteId = street.Id, Name = $"Public post {post}", Current = CurrentType.Dc, RatedChargeKw = 50, RatedDischargeKw = 20, Make = "Kitu", Model = "Street DC 50", SerialNumber = $"KS-{post:000}" });
        }

        await db.SaveChangesAsync(ct);
        await EnsureOcppPostAsync(db, fleetId, ct);
    }

    /// <summary>Adds the street site's OCPP charger when missing (demo stores made before it existed get it too).</summary>
    public static async Task EnsureOcppPostAsync(PortalDbContext db, string fleetId, CancellationToken ct)
    {
        var street = await db.Sites.SingleOrDefaultAsync(s => s.OwnerId == fleetId && s.Kind == SiteKind.Public && s.UtilityName == Utility, ct);
        if (street is null || await db.Evses.AnyAsync(e => e.OcppStationId == OcppPostStationId, ct))
        {
            return;
        }

        db.Evses.Add(new Evse
        {
            SiteId = street.Id,
            Name = OcppPost,
            Current = CurrentType.Dc,
            RatedChargeKw = 50,
            RatedDischargeKw = 20,
            Make = "Generic",
            Model = "OCPP 2.1 DC 50",
            SerialNumber = OcppPostStationId,
            OcppStationId = OcppPostStationId,
        });
        await db.SaveChangesAsync(ct);
    }
}
