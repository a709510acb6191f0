using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Discharge;
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
    TimeZoneInfo TimeZone)
{
    /// <summary>The driver stopped discharge for an event still in force: "Resume" takes the car back into it.</summary>
    public bool CanResume { get; init; }

    /// <summary>A charger the driver does not trust says this car is plugged in there: it waits for the driver's answer.</summary>
    public (Guid EvseId, string Charger)? ClaimToConfirm { get; init; }

    /// <summary>Chargers that all say this car is plugged in at once; none of them is used.</summary>
    public IReadOnlyList<string> ClaimedByMany { get; init; } = [];

    /// <summary>What happened before the current state, newest first: a few dated lines from the last week.</summary>
    public IReadOnlyList<CarNowHistory> History { get; init; } = [];

    /// <summary>
    /// The one current state of the car, with its reason: not plugged in, discharging, starting, refused for an event
    /// in force, stopped during an event in force, discharge not allowed, or waiting for an event. Whatever came
    /// before is history, never a second current line.
    /// </summary>
    public CarNowState State
    {
        get
        {
            if (EvseName is null)
            {
                return CarNowState.NotPlugged;
            }

            if (Command is { IsLive: true })
            {
                return Command.State == CommandState.Running ? CarNowState.Discharging : CarNowState.Starting;
            }

            var refused = LastDecision is { Accepted: false };
            var stopped = Command is { IsTerminal: true };
            if (refused && (!stopped || LastDecision!.DecidedAt >= (Command!.EndedAt ?? Command.CreatedAt)))
            {
                return CarNowState.Refused;
            }

            if (stopped)
            {
                return CarNowState.Stopped;
            }

            return Consent ? CarNowState.Waiting : CarNowState.NotAllowed;
        }
    }
}

public enum CarNowState
{
    NotPlugged,
    Waiting,
    Starting,
    Discharging,
    Refused,
    Stopped,
    NotAllowed,
}

/// <summary>One dated line of the car's recent past on the Now card.</summary>
public sealed record CarNowHistory(DateTimeOffset At, string Text);

/// <summary>The driver's "Now" view, scoped to the cars the driver owns; stop-now goes through the mediator.</summary>
public sealed class DriverNow(PortalDbContext db, EvseConnections connections, VehicleClaims claims, DischargeMediator mediator)
{
    /// <summary>How far back the Now card's history reaches, and how many lines it shows.</summary>
    public static readonly TimeSpan HistoryWindow = TimeSpan.FromDays(7);
    public const int HistoryLines = 5;

    public async Task<IReadOnlyList<CarNow>> CarsAsync(string driverId, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var since = now - HistoryWindow;
        var cars = await db.Vehicles.AsNoTracking().Where(v => v.OwnerId == driverId).OrderBy(v => v.Name).ToListAsync(cancellationToken);
        var ids = cars.Select(c => c.Id).ToList();
        var prefs = await db.DischargePreferences.AsNoTracking().Where(p => ids.Contains(p.VehicleId)).ToDictionaryAsync(p => p.VehicleId, cancellationToken);
        var recent = (await db.DischargeCommands.AsNoTracking().Where(c => ids.Contains(c.VehicleId)).ToListAsync(cancellationToken))
            .Where(c => !c.IsTerminal || (c.EndedAt ?? c.CreatedAt) >= since).ToList();
        var commands = recent.GroupBy(c => c.VehicleId).ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.CreatedAt).First());
        var allDecisions = await db.EventDecisions.AsNoTracking().Where(d => ids.Contains(d.VehicleId)).ToListAsync(cancellationToken);
        var decisions = allDecisions.GroupBy(d => d.VehicleId).ToDictionary(g => g.Key, g => g.OrderByDescending(d => d.DecidedAt).First());
        var refusals = await db.AuditEntries.AsNoTracking()
            .Where(a => a.VehicleId != null && ids.Contains(a.VehicleId.Value) && a.Outcome == "refused")
            .OrderByDescending(a => a.Id).Take(HistoryLines * Math.Max(1, ids.Count) * 4).ToListAsync(cancellationToken);
        refusals = refusals.Where(a => a.At >= since).ToList();

        // An event is "in force" until its end, unless cancelled: only its refusal or its stop is a current state.
        var eventIds = commands.Values.Select(c => c.EventId).Concat(decisions.Values.Select(d => d.EventId)).Concat(allDecisions.Select(d => d.EventId)).Distinct().ToList();
        var events = await db.ProgramEvents.AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);
        bool InForce(Guid eventId) => events.GetValueOrDefault(eventId) is { CancelledAt: null } e && e.End > now;
        var programIds = recent.Select(c => c.ProgramId).Concat(refusals.Select(a => a.ProgramId).OfType<Guid>()).Distinct().ToList();
        var programNames = await db.DischargePrograms.AsNoTracking().Where(p => programIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);

        var resumable = allDecisions.Where(d => d.StoppedByDriverAt is not null && InForce(d.EventId)).Select(d => d.VehicleId).ToHashSet();
        var evseIds = cars.Select(c => connections.WhereIs(c.Identifier)?.EvseId).OfType<Guid>()
            .Concat(cars.SelectMany(c => claims.ConflictFor(c.Id)))
            .Concat(cars.Select(c => claims.PendingFor(c.Id)?.EvseId).OfType<Guid>())
            .Distinct().ToList();
        var evseNames = await db.Evses.AsNoTracking().Where(e => evseIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);
        var claimedAt = await (from e in db.Evses.AsNoTracking() join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id where evseIds.Contains(e.Id) select new { e.Id, Text = e.Name + " · " + s.Name })
            .ToDictionaryAsync(x => x.Id, x => x.Text, cancellationToken);

        return cars.Select(car =>
        {
            var live = connections.WhereIs(car.Identifier);
            var pref = prefs.GetValueOrDefault(car.Id);
            var command = commands.GetValueOrDefault(car.Id);
            var decision = decisions.GetValueOrDefault(car.Id);
            // The current state: a live command; or the stop or refusal of an event still in force. Older ones are history.
            var currentCommand = command is { IsLive: true } || (command is { IsTerminal: true } && InForce(command.EventId)) ? command : null;
            var currentDecision = decision is { Accepted: false } && InForce(decision.EventId) ? decision : null;
            var history = recent.Where(c => c.VehicleId == car.Id && c.IsTerminal && c != currentCommand)
                .Select(c => new CarNowHistory(c.EndedAt ?? c.CreatedAt, Ended(c)))
                .Concat(refusals.Where(a => a.VehicleId == car.Id && !(currentDecision is not null && a.EventId == currentDecision.EventId && a.At >= currentDecision.DecidedAt.AddSeconds(-1)))
                    .Select(a => new CarNowHistory(a.At, $"{(a.ProgramId is { } p ? programNames.GetValueOrDefault(p, "An event") : "An event")}: not discharging — {string.Join(" ", a.Reasons.Select(r => r.Text))}")))
                .OrderByDescending(h => h.At)
                .DistinctBy(h => h.Text)
                .Take(HistoryLines)
                .ToList();
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
                currentCommand,
                currentDecision,
                MediationFacts.Zone(pref?.TimeZoneId ?? "UTC"))
            {
                CanResume = resumable.Contains(car.Id),
                ClaimToConfirm = claims.PendingFor(car.Id) is { } claim ? (claim.EvseId, claimedAt.GetValueOrDefault(claim.EvseId, "a charger")) : null,
                ClaimedByMany = [.. claims.ConflictFor(car.Id).Select(id => claimedAt.GetValueOrDefault(id, "a charger"))],
                History = history,
            };
        }).ToList();
    }

    /// <summary>An ended discharge in one line: "Evening Peak: 1.2 kWh, stopped — You stopped discharging."</summary>
    public static string Ended(DischargeCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var kwh = DriverHistory.Energy(command);
        var energy = kwh > 0 ? $"{kwh:0.##} kWh, " : "";
        var how = command.State switch
        {
            CommandState.Completed => "completed",
            CommandState.Stopped => "stopped",
            CommandState.Rejected => "refused by the charger",
            CommandState.NotFollowed => "not followed",
            CommandState.Interrupted => "interrupted",
            _ => command.State.ToString().ToLowerInvariant(),
        };
        return $"{command.ProgramName}: {energy}{how}{(command.ReasonText is { Length: > 0 } why ? " — " + why : "")}";
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
            return "Another car is linked to this charger for this plug-in; if that is wrong, unplug and plug in again.";
        }

        mediator.Nudge();
        return null;
    }

    /// <summary>
    /// The driver answers a charger's claim that the car is plugged in there: yes (and, with <paramref name="remember"/>,
    /// trust that charger from now on) or no. False when the car is not the driver's or there is no such claim.
    /// </summary>
    public async Task<bool> AnswerClaimAsync(string driverId, Guid vehicleId, Guid evseId, bool itIsMe, bool remember, CancellationToken cancellationToken) =>
        await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken)
        && await claims.AnswerAsync(vehicleId, evseId, itIsMe, remember, driverId, cancellationToken);

    /// <summary>Stops the car's discharge now; false when the car is not the driver's or nothing runs.</summary>
    public async Task<bool> StopNowAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken) =>
        await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken)
        && await mediator.StopByDriverAsync(vehicleId, cancellationToken);

    /// <summary>Takes the car back into the events in force its driver stopped it for; false when the car is not the driver's or there is none.</summary>
    public async Task<bool> ResumeAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken) =>
        await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken)
        && await mediator.ResumeByDriverAsync(vehicleId, cancellationToken);

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
