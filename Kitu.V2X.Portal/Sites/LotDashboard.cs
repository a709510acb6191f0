using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Sites;

/// <summary>One charger of a lot, live: link, plugged car (by name only if it is the owner's fleet car), SoC, kW, grid, command.</summary>
public sealed record LotRow(
    Guid EvseId,
    string Name,
    bool Online,
    bool Plugged,
    string? Vehicle,
    double? SocPercent,
    double PowerKw,
    bool AllowsDischarge,
    GridRules Grid,
    string GridText,
    CommandState? Command,
    string? CommandReason)
{
    /// <summary>The grid forbids export right now (cease to energize, disconnect, limit 0) or the charger is not integrated.</summary>
    public bool GridBlocks => !Grid.IsIntegratedAt(DateTimeOffset.UtcNow) || Grid.Energize == false || Grid.Connect == false || Grid.ExportLimitPercent <= 0;
}

/// <summary>The owner's live view of a site's chargers. Private drivers' cars show as "a car", never by name.</summary>
public sealed class LotDashboard(PortalDbContext db, EvseConnections connections, GridRulesFeed grid, PowerHistory history)
{
    /// <summary>Charge and discharge kW per hour over the last 24 hours for the site; null when it is not the owner's.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset Hour, double ChargeKw, double DischargeKw)>?> PowerAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        if (!await db.Sites.AnyAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken))
        {
            return null;
        }

        return history.Hourly(await db.Evses.AsNoTracking().Where(e => e.SiteId == siteId).Select(e => e.Id).ToListAsync(cancellationToken));
    }

    /// <summary>Energy discharged per day (UTC) over the last week at the site's chargers, kWh.</summary>
    public async Task<IReadOnlyList<(DateOnly Day, double Kwh)>> EnergyPerDayAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        var since = DateTimeOffset.UtcNow.AddDays(-7);
        var commands = await (from c in db.DischargeCommands.AsNoTracking()
                              join e in db.Evses.AsNoTracking() on c.EvseId equals e.Id
                              join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                              where s.Id == siteId && s.OwnerId == ownerId && c.StartedAt != null
                              select c).ToListAsync(cancellationToken);
        return commands.Where(c => c.StartedAt >= since)
            .GroupBy(c => DateOnly.FromDateTime(c.StartedAt!.Value.UtcDateTime))
            .OrderBy(g => g.Key)
            .Select(g => (g.Key, Math.Round(g.Sum(Drivers.DriverHistory.Energy), 2)))
            .ToList();
    }

    public async Task<IReadOnlyList<LotRow>?> RowsAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        var site = await db.Sites.AsNoTracking().SingleOrDefaultAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken);
        if (site is null)
        {
            return null;
        }

        var zone = Workers.MediationFacts.Zone(site.TimeZoneId);
        var evses = await db.Evses.AsNoTracking().Where(e => e.SiteId == siteId).OrderBy(e => e.Name).ToListAsync(cancellationToken);
        var ids = evses.Select(e => e.Id).ToList();
        var commands = (await db.DischargeCommands.AsNoTracking().Where(c => ids.Contains(c.EvseId)).OrderByDescending(c => c.CreatedAt).ToListAsync(cancellationToken))
            .GroupBy(c => c.EvseId).ToDictionary(g => g.Key, g => g.First());
        var fleet = await db.Vehicles.AsNoTracking().Where(v => v.OwnerId == ownerId).ToDictionaryAsync(v => v.Identifier, v => v.Name, StringComparer.OrdinalIgnoreCase, cancellationToken);

        return evses.Select(e =>
        {
            var live = connections.Get(e.Id);
            var rules = grid.Get(e.Id);
            var command = commands.GetValueOrDefault(e.Id);
            var identifier = live?.VehicleIdentifier;
            return new LotRow(
                e.Id,
                e.Name,
                live is not null,
                live?.Status?.Plugged == true,
                identifier is null ? null : fleet.GetValueOrDefault(identifier, "a car"),
                live?.Status?.SocPercent,
                live?.Status?.PowerKw ?? 0,
                e.OwnerAllowsDischarge,
                rules,
                GridStatusText.Describe(rules, zone),
                command?.State,
                command?.ReasonText);
        }).ToList();
    }
}
