using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Discharge;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Sites;

/// <summary>A fleet vehicle with its consent and floor.</summary>
public sealed record FleetRow(Guid VehicleId, string Name, string Identifier, string? Site, bool Consent, double FloorPercent);

/// <summary>
/// A fleet's vehicles belong to the site owner, who gives their consent and floors — one by one or for a selection.
/// (Departures per vehicle use the same settings page drivers use.)
/// </summary>
public sealed class FleetVehicles(PortalDbContext db, DischargeMediator mediator)
{
    public async Task<IReadOnlyList<FleetRow>> ListAsync(string ownerId, CancellationToken cancellationToken)
    {
        var rows = await (from v in db.Vehicles.AsNoTracking()
                          where v.OwnerId == ownerId
                          join p in db.DischargePreferences.AsNoTracking() on v.Id equals p.VehicleId into prefs
                          from p in prefs.DefaultIfEmpty()
                          join s in db.Sites.AsNoTracking() on v.FleetSiteId equals s.Id into sites
                          from s in sites.DefaultIfEmpty()
                          orderby v.Name
                          select new FleetRow(v.Id, v.Name, v.Identifier, s == null ? null : s.Name, p != null && p.Consent, p == null ? DischargePreferences.DefaultSocFloorPercent : p.SocFloorPercent))
                         .ToListAsync(cancellationToken);
        return rows;
    }

    /// <summary>Sets consent and/or the floor on the owner's vehicles; returns how many changed, or an error in plain words.</summary>
    public async Task<(int Changed, string? Error)> SetAsync(string ownerId, IReadOnlyCollection<Guid> vehicleIds, bool? consent, double? floorPercent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vehicleIds);
        if (floorPercent is < 10 or > 90)
        {
            return (0, "Choose a floor between 10 % and 90 %.");
        }

        var ids = vehicleIds.ToList();
        var owned = await db.Vehicles.Where(v => v.OwnerId == ownerId && ids.Contains(v.Id)).Select(v => v.Id).ToListAsync(cancellationToken);
        var prefs = await db.DischargePreferences.Where(p => owned.Contains(p.VehicleId)).ToDictionaryAsync(p => p.VehicleId, cancellationToken);
        foreach (var id in owned)
        {
            if (!prefs.TryGetValue(id, out var p))
            {
                p = new DischargePreferences { VehicleId = id };
                db.DischargePreferences.Add(p);
            }

            p.Consent = consent ?? p.Consent;
            p.SocFloorPercent = floorPercent ?? p.SocFloorPercent;
        }

        await db.SaveChangesAsync(cancellationToken);
        await mediator.PassNowAsync(cancellationToken);
        return (owned.Count, null);
    }
}
