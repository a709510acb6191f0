using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Programs;
using Kitu.V2X.Portal.Sites;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Summaries;

/// <summary>The driver's home: each car now with its programs, and this month's energy and pay.</summary>
public sealed record DriverSummary(IReadOnlyList<(CarNow Car, IReadOnlyList<string> Programs)> Cars, double KwhThisMonth, string PayThisMonth, TimeZoneInfo Zone);

/// <summary>One of the owner's chargers, now.</summary>
public sealed record OwnerCharger(Guid EvseId, string Name, Guid SiteId, string GridText, bool Integrated, bool AllowsDischarge, bool Online, double PowerKw);

/// <summary>One of the owner's sites, now: how many chargers and cars, the power discharged, today's energy, and what needs a look.</summary>
public sealed record OwnerSite(Guid SiteId, string Name, SiteKind Kind, TimeZoneInfo Zone, int Chargers, int Plugged, double DischargeKw, double EnergyTodayKwh, IReadOnlyList<string> NeedsAttention);

public sealed record OwnerSummary(IReadOnlyList<OwnerSite> Sites, IReadOnlyList<OwnerCharger> Chargers);

/// <summary>An event of the operator's: when, how much was asked, how much comes.</summary>
public sealed record OperatorEvent(Guid EventId, string Program, DateTimeOffset Start, DateTimeOffset End, double? KwPerCar, double? TotalKw, double AchievedKw, double DischargedKwh, int Discharging, int Refused)
{
    /// <summary>The program's zone, which the operator reads the event's times in.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;
}

public sealed record OperatorSummary(int Published, int Drafts, IReadOnlyList<OperatorEvent> InForce, IReadOnlyList<OperatorEvent> Upcoming, IReadOnlyList<OperatorEvent> Recent)
{
    /// <summary>The operator's programs (what its home watches).</summary>
    public IReadOnlyList<Guid> ProgramIds { get; init; } = [];
}

/// <summary>An approved server as the grid admin watches it: reachable at its last check, chargers bound, integrated, under a control.</summary>
public sealed record ServerStatus(string Name, string Utility, bool Enabled, DateTimeOffset? CheckedAt, string? CheckResult, int Bound, int Integrated, int UnderControl);

public sealed record GridAdminSummary(IReadOnlyList<ServerStatus> Servers);

/// <summary>Each role's home summary (the read model the home sections show).</summary>
public interface IRoleSummaries
{
    Task<DriverSummary> DriverAsync(string driverId, CancellationToken ct);

    Task<OwnerSummary> OwnerAsync(string ownerId, CancellationToken ct);

    /// <summary>Null when the account acts for no operator.</summary>
    Task<OperatorSummary?> OperatorAsync(string userId, CancellationToken ct);

    Task<GridAdminSummary> GridAdminAsync(CancellationToken ct);
}

/// <summary>
/// Each role's home as a live summary with its next action, read through the use cases the role's own pages use, so
/// the home never says something those pages would not. Scoped to what the caller owns; a page reads it with a context
/// of its own per refresh.
/// </summary>
public sealed class RoleSummaries(
    PortalDbContext db,
    DriverNow now,
    DriverHistory history,
    ChargerGridSwitch chargers,
    LotDashboard lots,
    EventReports reports,
    ApprovedServerAdministration servers,
    EvseConnections connections,
    GridRulesFeed grid,
    TimeProvider time) : IRoleSummaries
{
    public async Task<DriverSummary> DriverAsync(string driverId, CancellationToken ct)
    {
        var cars = await now.CarsAsync(driverId, ct);
        var ids = cars.Select(c => c.VehicleId).ToList();
        var programs = (await (from e in db.Enrollments.AsNoTracking()
                               join p in db.DischargePrograms.AsNoTracking() on e.ProgramId equals p.Id
                               where ids.Contains(e.VehicleId)
                               orderby e.Rank
                               select new { e.VehicleId, p.Name }).ToListAsync(ct))
            .ToLookup(x => x.VehicleId, x => x.Name);
        var zone = cars.FirstOrDefault()?.TimeZone ?? TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone);
        var monthStart = new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 0, local.Offset);
        var month = (await history.ListAsync(driverId, ct)).Where(r => r.At >= monthStart).ToList();
        return new DriverSummary([.. cars.Select(c => (c, (IReadOnlyList<string>)[.. programs[c.VehicleId]]))], month.Sum(r => r.Kwh), Presentation.Money.Total(month.Select(r => (r.Pay, r.Currency))), zone);
    }

    public async Task<OwnerSummary> OwnerAsync(string ownerId, CancellationToken ct)
    {
        var rows = await chargers.ListAsync(ownerId, ct);
        var list = rows.Select(r =>
        {
            var live = connections.Get(r.EvseId);
            return new OwnerCharger(r.EvseId, r.Name, r.SiteId, GridStatusText.Describe(r.Rules, Discharge.MediationFacts.Zone(r.TimeZoneId)), r.Rules.IsIntegratedAt(time.GetUtcNow()), r.OwnerAllowsDischarge, live is not null, live?.Status?.PowerKw ?? 0);
        }).ToList();
        var sites = new List<OwnerSite>();
        foreach (var site in rows.GroupBy(r => (r.SiteId, r.SiteName, r.SiteKind, r.TimeZoneId)))
        {
            var zone = Discharge.MediationFacts.Zone(site.Key.TimeZoneId);
            var lot = await lots.RowsAsync(ownerId, site.Key.SiteId, ct) ?? [];
            var siteId = site.Key.SiteId;
            var today = await lots.EnergyTodayAsync(ownerId, siteId, ct);
            var attention = lot.Where(l => l.Plugged && l.NeedsAttention)
                .Select(l => $"{l.Name}{(l.Vehicle is null ? "" : $" ({l.Vehicle})")}: {l.Activity}")
                .Concat(lot.Where(l => l.AllowsDischarge && !l.Grid.IsIntegratedAt(time.GetUtcNow()) && l.Grid.Integration != GridIntegration.NotBound).Select(l => $"{l.Name}: not grid-integrated"))
                .Concat(lot.Where(l => !l.Online).Select(l => $"{l.Name}: offline"))
                .Take(8).ToList();
            sites.Add(new OwnerSite(siteId, site.Key.SiteName, site.Key.SiteKind, zone, site.Count(), lot.Count(l => l.Plugged), Math.Abs(lot.Where(l => l.PowerKw < 0).Sum(l => l.PowerKw)), Math.Round(today, 2), attention));
        }

        return new OwnerSummary(sites, list);
    }

    public async Task<OperatorSummary?> OperatorAsync(string userId, CancellationToken ct)
    {
        var operatorId = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.OperatorId).SingleOrDefaultAsync(ct);
        if (operatorId is not { } op)
        {
            return null;
        }

        var programs = await db.DischargePrograms.AsNoTracking().Where(p => p.OperatorId == op).Select(p => new { p.Id, p.Status }).ToListAsync(ct);
        var at = time.GetUtcNow();
        var current = await (from e in db.ProgramEvents.AsNoTracking()
                             join p in db.DischargePrograms.AsNoTracking() on e.ProgramId equals p.Id
                             where p.OperatorId == op && e.CancelledAt == null && e.End > at
                             orderby e.Start
                             select e.Id).Take(10).ToListAsync(ct);
        var live = new List<OperatorEvent>();
        foreach (var id in current)
        {
            if (await reports.ForOperatorAsync(op, id, ct) is { } report)
            {
                live.Add(Of(report));
            }
        }

        var recent = (await reports.PastAsync(op, null, 3, ct)).Select(Of).ToList();
        return new OperatorSummary(programs.Count(p => p.Status == ProgramStatus.Published), programs.Count(p => p.Status == ProgramStatus.Draft),
            [.. live.Where(e => e.Start <= at)], [.. live.Where(e => e.Start > at)], recent)
        { ProgramIds = [.. programs.Select(p => p.Id)] };
    }

    public async Task<GridAdminSummary> GridAdminAsync(CancellationToken ct)
    {
        var all = grid.All.ToList();
        var list = await servers.ListAsync(ct);
        return new GridAdminSummary([.. list.Select(x =>
        {
            var bound = all.Where(r => r.ServerName == x.Server.Name).ToList();
            return new ServerStatus(x.Server.Name, x.Server.UtilityName, x.Server.Enabled, x.Server.LastCheckedAt, x.Server.LastCheckResult, x.Bound,
                bound.Count(r => r.IsIntegratedAt(time.GetUtcNow())), bound.Count(r => r.Controls.Any(c => !c.IsDefault)));
        })]);
    }

    private static OperatorEvent Of(EventReport r) =>
        new(r.Event.Id, r.ProgramName, r.Event.Start, r.Event.End, r.Event.RequestedKwPerVehicle, r.Event.TotalTargetKw, r.AchievedKw, r.DischargedKwh,
            r.ByState.GetValueOrDefault("Running"), r.RefusalsByReason.Values.Sum())
        { Zone = r.Zone };
}
