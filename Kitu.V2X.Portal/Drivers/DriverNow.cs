using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Workers;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>One of the driver's cars, now: where it is plugged in, its SoC and power, and the command it follows.</summary>
public sealed record CarNow(
    Guid VehicleId,
    string Name,
    string Identifier,
    bool Consent,
    double SocFloorPercent,
    Guid? EvseId,
    string? EvseName,
    double? SocPercent,
    double PowerKw,
    DischargeCommand? Command,
    EventDecision? LastDecision,
    TimeZoneInfo TimeZone);

/// <summary>The driver's "Now" view, scoped to the cars the driver owns; stop-now goes through the mediator.</summary>
public sealed class DriverNow(PortalDbContext db, EvseConnections connections, DischargeMediator mediator)
{
    public async Task<IReadOnlyList<CarNow>> CarsAsync(string driverId, CancellationToken cancellationToken)
    {
        var cars = await db.Vehicles.AsNoTracking().Where(v => v.OwnerId == driverId).OrderBy(v => v.Name).ToListAsync(cancellationToken);
        var ids = cars.Select(c => c.Id).ToList();
        var prefs = await db.DischargePreferences.AsNoTracking().Where(p => ids.Contains(p.VehicleId)).ToDictionaryAsync(p => p.VehicleId, cancellationToken);
        var commands = (await db.DischargeCommands.AsNoTracking().Where(c => ids.Contains(c.VehicleId)).ToListAsync(cancellationToken))
            .GroupBy(c => c.VehicleId).ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.CreatedAt).First());
        var decisions = (await db.EventDecisions.AsNoTracking().Where(d => ids.Contains(d.VehicleId)).ToListAsync(cancellationToken))
            .GroupBy(d => d.VehicleId).ToDictionary(g => g.Key, g => g.OrderByDescending(d => d.DecidedAt).First());
        var evseIds = cars.Select(c => connections.WhereIs(c.Identifier)?.EvseId).OfType<Guid>().ToList();
        var evseNames = await db.Evses.AsNoTracking().Where(e => evseIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);

        return cars.Select(car =>
        {
            var live = connections.WhereIs(car.Identifier);
            var pref = prefs.GetValueOrDefault(car.Id);
            return new CarNow(
                car.Id,
                car.Name,
                car.Identifier,
                pref?.Consent ?? false,
                pref?.SocFloorPercent ?? Domain.ConsumerSupport.DischargePreferences.DefaultSocFloorPercent,
                live?.EvseId,
                live is null ? null : evseNames.GetValueOrDefault(live.EvseId),
                live?.Status?.SocPercent,
                live?.Status?.PowerKw ?? 0,
                commands.GetValueOrDefault(car.Id),
                decisions.GetValueOrDefault(car.Id),
                MediationFacts.Zone(pref?.TimeZoneId ?? "UTC"));
        }).ToList();
    }

    /// <summary>A charger as a driver sees it from its QR code: its name, its site's name, whether a car is plugged in.</summary>
    public async Task<(string Name, string Site, bool Online, bool Plugged, bool Identified)?> ChargerAsync(Guid evseId, CancellationToken cancellationToken)
    {
        var charger = await (from e in db.Evses.AsNoTracking() join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id where e.Id == evseId select new { e.Name, Site = s.Name }).SingleOrDefaultAsync(cancellationToken);
        if (charger is null)
        {
            return null;
        }

        var live = connections.Get(evseId);
        return (charger.Name, charger.Site, live is not null, live?.Status?.Plugged == true, live?.VehicleIdentifier is not null);
    }

    /// <summary>"I'm plugged in here": links the charger's session to one of the driver's cars; the error in plain words, or null.</summary>
    public async Task<string?> ClaimAsync(string driverId, Guid evseId, Guid vehicleId, CancellationToken cancellationToken)
    {
        var car = await db.Vehicles.AsNoTracking().SingleOrDefaultAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken);
        if (car is null)
        {
            return DriverVehicles.NotYours;
        }

        if (connections.Get(evseId) is not { Status: { Plugged: true } })
        {
            return "This charger does not report a plugged-in car right now. Plug in first, then try again.";
        }

        if (!connections.Claim(evseId, car.Identifier))
        {
            return "This charger already recognises another car.";
        }

        mediator.Nudge();
        return null;
    }

    /// <summary>Stops the car's discharge now; false when the car is not the driver's or nothing runs.</summary>
    public async Task<bool> StopNowAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken) =>
        await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken)
        && await mediator.StopByDriverAsync(vehicleId, cancellationToken);

    /// <summary>Gives or withdraws consent; a withdrawal stops a running discharge within a second.</summary>
    public async Task<bool> SetConsentAsync(string driverId, Guid vehicleId, bool consent, CancellationToken cancellationToken)
    {
        if (!await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken))
        {
            return false;
        }

        var prefs = await db.DischargePreferences.SingleOrDefaultAsync(p => p.VehicleId == vehicleId, cancellationToken);
        if (prefs is null)
        {
            prefs = new Domain.ConsumerSupport.DischargePreferences { VehicleId = vehicleId };
            db.DischargePreferences.Add(prefs);
        }

        prefs.Consent = consent;
        await db.SaveChangesAsync(cancellationToken);
        await mediator.PassNowAsync(cancellationToken);
        return true;
    }
}
