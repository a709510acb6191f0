using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// Gathers, for one mediator pass, the consumer facts (events, programs, enrollments, vehicles, preferences, chargers,
/// sites), the live facts (what each EVSE reports) and the grid rules by EVSE id, and turns them into
/// <see cref="DecisionInput"/> values. The one place where the two layers meet, in memory.
/// </summary>
public sealed class MediationFacts
{
    private readonly Dictionary<Guid, ProgramEvent> events;
    private readonly Dictionary<Guid, DischargeProgram> programs;
    private readonly List<Enrollment> enrollments;
    private readonly Dictionary<Guid, List<Enrollment>> enrollmentsByVehicle;
    private readonly Dictionary<Guid, List<Enrollment>> enrollmentsByProgram;
    private readonly Dictionary<Guid, Vehicle> vehicles;
    private readonly Dictionary<Guid, DischargePreferences> preferences;
    private readonly Dictionary<Guid, (Evse Evse, Site Site)> chargers;
    private readonly List<ProgramOperator> carMakers;
    private readonly EvseConnections connections;
    private readonly TelematicsLinks telematics;
    private readonly GridRulesFeed grid;

    private MediationFacts(
        Dictionary<Guid, ProgramEvent> events,
        Dictionary<Guid, DischargeProgram> programs,
        List<Enrollment> enrollments,
        Dictionary<Guid, Vehicle> vehicles,
        Dictionary<Guid, DischargePreferences> preferences,
        Dictionary<Guid, (Evse, Site)> chargers,
        List<ProgramOperator> carMakers,
        EvseConnections connections,
        TelematicsLinks telematics,
        GridRulesFeed grid)
    {
        this.carMakers = carMakers;
        this.telematics = telematics;
        this.events = events;
        this.programs = programs;
        this.enrollments = enrollments;
        enrollmentsByVehicle = enrollments.GroupBy(e => e.VehicleId).ToDictionary(g => g.Key, g => g.ToList());
        enrollmentsByProgram = enrollments.GroupBy(e => e.ProgramId).ToDictionary(g => g.Key, g => g.ToList());
        this.vehicles = vehicles;
        this.preferences = preferences;
        this.chargers = chargers;
        this.connections = connections;
        this.grid = grid;
    }

    public IEnumerable<ProgramEvent> EventsInForce(DateTimeOffset now) =>
        events.Values.Where(e => e.CancelledAt is null && e.Start <= now && e.End > now && programs.TryGetValue(e.ProgramId, out var p) && p.Status == ProgramStatus.Published);

    public IEnumerable<(Enrollment Enrollment, Vehicle Vehicle)> EnrolledIn(Guid programId) =>
        (enrollmentsByProgram.GetValueOrDefault(programId) ?? []).Where(e => vehicles.ContainsKey(e.VehicleId)).Select(e => (e, vehicles[e.VehicleId]));

    public ProgramEvent? Event(Guid id) => events.GetValueOrDefault(id);

    public DischargeProgram? Program(Guid id) => programs.GetValueOrDefault(id);

    public Vehicle? Vehicle(Guid id) => vehicles.GetValueOrDefault(id);

    public (Evse Evse, Site Site)? Charger(Guid evseId) => chargers.TryGetValue(evseId, out var c) ? c : null;

    /// <summary>The car maker whose telematics link reaches this vehicle (a live one first), if any.</summary>
    public Guid? TelematicsOperatorFor(Vehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        var reaching = carMakers.Where(m => m.Reaches(vehicle.Make)).ToList();
        return (reaching.FirstOrDefault(m => telematics.IsOnline(m.Id)) ?? reaching.FirstOrDefault())?.Id;
    }

    /// <summary>Loads what a pass needs: events in force or with live commands, and everything they touch.</summary>
    public static async Task<MediationFacts> LoadAsync(PortalDbContext db, IReadOnlyCollection<DischargeCommand> liveCommands, EvseConnections connections, TelematicsLinks telematics, GridRulesFeed grid, DateTimeOffset now, CancellationToken ct)
    {
        var commandEvents = liveCommands.Select(c => c.EventId).Distinct().ToList();
        var events = await db.ProgramEvents.AsNoTracking()
            .Where(e => (e.Start <= now && e.End > now && e.CancelledAt == null) || commandEvents.Contains(e.Id))
            .ToDictionaryAsync(e => e.Id, ct);
        var programIds = events.Values.Select(e => e.ProgramId).Distinct().ToList();
        var programs = await db.DischargePrograms.AsNoTracking().Where(p => programIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);

        var enrollments = await db.Enrollments.AsNoTracking().Where(e => programIds.Contains(e.ProgramId)).ToListAsync(ct);
        var vehicleIds = enrollments.Select(e => e.VehicleId).Concat(liveCommands.Select(c => c.VehicleId)).Distinct().ToList();

        // A vehicle's other enrollments matter too: they rank its competing events. The id lists run to a fleet's size:
        // each goes as one JSON parameter (EF.Parameter), not one SQL parameter per id (EF 10's default), which costs
        // seconds to prepare at 10,000 ids and fails beyond SQLite's 32,766 variables.
        var allEnrollments = await db.Enrollments.AsNoTracking().Where(e => EF.Parameter(vehicleIds).Contains(e.VehicleId)).ToListAsync(ct);
        var vehicles = await db.Vehicles.AsNoTracking().Where(v => EF.Parameter(vehicleIds).Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);
        var preferences = await db.DischargePreferences.AsNoTracking().Where(p => EF.Parameter(vehicleIds).Contains(p.VehicleId)).ToDictionaryAsync(p => p.VehicleId, ct);

        var evseIds = vehicles.Values.Select(v => connections.WhereIs(v.Identifier)?.EvseId).OfType<Guid>()
            .Concat(liveCommands.Select(c => c.EvseId)).Distinct().ToList();
        var chargers = await (from e in db.Evses.AsNoTracking()
                              join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                              where EF.Parameter(evseIds).Contains(e.Id)
                              select new { e, s }).ToDictionaryAsync(x => x.e.Id, x => (x.e, x.s), ct);

        var carMakers = programs.Values.Any(p => p.Executor == ProgramExecutor.Ev) || liveCommands.Any(c => c.Executor == ProgramExecutor.Ev)
            ? await db.ProgramOperators.AsNoTracking().Where(o => o.Kind == OperatorKind.Oem).ToListAsync(ct)
            : [];

        return new MediationFacts(events, programs, allEnrollments, vehicles, preferences, chargers, carMakers, connections, telematics, grid);
    }

    /// <summary>The EVSE's live link now, if any.</summary>
    public LiveEvse? Link(Guid evseId) => connections.Get(evseId);

    /// <summary>
    /// The decision input for a vehicle at an EVSE for an event, or null when a fact is missing. <paramref name="link"/>:
    /// the EVSE's link as the caller saw it, so that what it checked and what is judged are the same link (one that
    /// drops or comes back meanwhile is judged at the next pass); the link now when not given.
    /// </summary>
    public DecisionInput? Input(ProgramEvent programEvent, Vehicle vehicle, Guid evseId, DateTimeOffset now, IReadOnlyCollection<DischargeCommand> liveCommands, LiveEvse? link = null)
    {
        if (!programs.TryGetValue(programEvent.ProgramId, out var program) || !chargers.TryGetValue(evseId, out var charger))
        {
            return null;
        }

        var (evse, site) = charger;
        var live = link ?? connections.Get(evseId);
        var status = live?.Status;
        var plugged = status is { Plugged: true } && string.Equals(live!.VehicleIdentifier, vehicle.Identifier, StringComparison.OrdinalIgnoreCase);
        var prefs = preferences.GetValueOrDefault(vehicle.Id) ?? new DischargePreferences { VehicleId = vehicle.Id };
        var siteRunningKw = site.Policy.MaxExportKw is null
            ? 0 // no cap: the sum is not needed (and would cost a scan of every live command per car)
            : liveCommands.Where(c => c.VehicleId != vehicle.Id && !c.IsTerminal && chargers.TryGetValue(c.EvseId, out var other) && other.Site.Id == site.Id).Sum(c => c.Kw);
        var mine = enrollmentsByVehicle.GetValueOrDefault(vehicle.Id) ?? [];

        return new DecisionInput
        {
            Now = now,
            Event = Offer(programEvent, program, vehicle.Id, evse, liveCommands),
            CompetingEvents = mine.Count < 2 ? [] : EventsInForce(now)
                .Where(e => e.Id != programEvent.Id && mine.Exists(en => en.ProgramId == e.ProgramId))
                .Select(e => Offer(e, programs[e.ProgramId], vehicle.Id, evse, liveCommands))
                .ToList(),
            Evse = new EvseFacts
            {
                EvseId = evse.Id,
                Name = evse.Name,
                Current = evse.Current,
                RatedChargeKw = evse.RatedChargeKw,
                RatedDischargeKw = evse.RatedDischargeKw,
                OwnerAllowsDischarge = evse.OwnerAllowsDischarge,
                Online = live is not null,
                LinkCarriesDischarge = live?.Link.CarriesDischarge ?? true,
                SitePolicy = site.Policy,
                SiteTimeZone = Zone(site.TimeZoneId),
                SiteExportHeadroomKw = site.Policy.MaxExportKw is { } max ? Math.Max(0, max - siteRunningKw) : null,
                GridState = status?.GridState ?? EvseGridState.InService,
                GridConditions = status is { GridVoltageV: not null } or { GridFrequencyHz: not null }
                    ? Domain.GridSecurity.Ieee1547.GridConditions.From(status.GridVoltageV, live!.Hello?.NominalVoltageV, status.GridFrequencyHz)
                    : null,
            },
            Vehicle = VehicleFacts.From(vehicle, status?.SocPercent ?? 0, plugged) with
            {
                J3072Capable = vehicle.J3072Capable || (plugged && status!.J3072Capable),
                TelematicsOnline = TelematicsOperatorFor(vehicle) is { } maker && telematics.IsOnline(maker),
            },
            Preferences = prefs,
            DriverTimeZone = Zone(prefs.TimeZoneId),
            Grid = grid.Get(evseId),
        };
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    /// <summary>A time zone by IANA or Windows id, UTC when unknown; looked up once per id (the system's cache takes a lock per call).</summary>
    public static TimeZoneInfo Zone(string id)
    {
        if (id is null)
        {
            return TimeZoneInfo.Utc;
        }

        if (Zones.TryGetValue(id, out var known))
        {
            return known;
        }

        // Only zones the system knows are kept (a bounded set): an unknown id, which a form may carry, is not.
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? Zones.GetOrAdd(id, zone) : TimeZoneInfo.Utc;
    }

    private EventOffer Offer(ProgramEvent e, DischargeProgram program, Guid vehicleId, Evse evse, IReadOnlyCollection<DischargeCommand> liveCommands) => new()
    {
        EventId = e.Id,
        ProgramId = program.Id,
        ProgramName = program.Name,
        OperatorKind = program.OperatorKind,
        IsEmergency = program.IsEmergency,
        Executor = program.Executor,
        ProgramStatus = program.Status,
        ProgramMaxKwPerVehicle = program.MaxKwPerVehicle,
        Start = e.Start,
        End = e.End,
        CreatedAt = e.CreatedAt,
        Cancelled = e.CancelledAt is not null,
        RequestedKw = e.RequestedKwPerVehicle ?? program.MaxKwPerVehicle ?? evse.RatedDischargeKw,
        RemainingTargetKw = e.TotalTargetKw is { } target
            ? target - liveCommands.Where(c => c.EventId == e.Id && c.VehicleId != vehicleId && !c.IsTerminal).Sum(c => c.Kw)
            : null,
        EnrollmentRank = enrollmentsByVehicle.GetValueOrDefault(vehicleId)?.Find(en => en.ProgramId == program.Id)?.Rank,
        SiteEligible = chargers.TryGetValue(evse.Id, out var c) && program.IsEligible(c.Site.UtilityName, c.Site.Id),
    };
}
