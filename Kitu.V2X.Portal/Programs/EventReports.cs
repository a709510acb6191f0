using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Programs;

/// <summary>
/// One car's part in an event: its latest segment's state (or "Refused" when it never got a command), the power asked
/// and measured (0 once ended), the energy over all its segments, and the reasons it ended or was refused.
/// </summary>
public sealed record ParticipantOutcome(
    Guid VehicleId,
    string? FleetName,
    string Charger,
    string State,
    double? Kw,
    double MeasuredKw,
    double DischargedKwh,
    int Segments,
    IReadOnlyList<Reason> Reasons)
{
    public const string Refused = "Refused";

    public bool Discharging => State == nameof(CommandState.Running);
}

/// <summary>What an event achieved, from one read model: participants, counts by state and refusal reason, power now, energy.</summary>
public sealed record EventReport(
    ProgramEvent Event,
    string ProgramName,
    IReadOnlyList<ParticipantOutcome> Participants,
    IReadOnlyDictionary<string, int> ByState,
    IReadOnlyDictionary<string, int> RefusalsByReason,
    double AchievedKw,
    double DischargedKwh)
{
    /// <summary>The program's zone: the operator reads the event's times in it.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The program's currency (ISO 4217).</summary>
    public string Currency { get; init; } = "USD";

    public bool Ended(DateTimeOffset now) => Event.CancelledAt is not null || Event.End <= now;

    /// <summary>
    /// The outcomes as an operator reads them: one row per outcome — discharging, starting, each refusal reason and each
    /// way a discharge ended — with the number of cars, in the catalogue's operator wording (never a driver's sentence).
    /// </summary>
    public IReadOnlyList<OutcomeRow> Outcomes()
    {
        var rows = new List<OutcomeRow>();
        void Add(int kind, string outcome, Domain.Mediation.ReasonCode? code)
        {
            var index = rows.FindIndex(r => r.Kind == kind && r.Outcome == outcome);
            if (index < 0)
            {
                rows.Add(new OutcomeRow(kind, outcome, code is { } c ? SideText(ReasonCatalog.Of(c).Side) : null, 1));
            }
            else
            {
                rows[index] = rows[index] with { Cars = rows[index].Cars + 1 };
            }
        }

        foreach (var p in Participants)
        {
            var reason = p.Reasons.Count > 0 ? p.Reasons[0].Code : (Domain.Mediation.ReasonCode?)null;
            var meaning = reason is { } code ? ReasonCatalog.Of(code).Meaning : null;
            switch (p.State)
            {
                case nameof(CommandState.Running):
                    Add(OutcomeRow.Discharging, "Discharging", null);
                    break;
                case nameof(CommandState.Pending) or nameof(CommandState.Sent) or nameof(CommandState.Acked):
                    Add(OutcomeRow.Starting, "Command sent, not discharging yet", null);
                    break;
                case ParticipantOutcome.Refused:
                    Add(OutcomeRow.Refused, meaning ?? "Refused", reason);
                    break;
                case nameof(CommandState.Completed):
                    Add(OutcomeRow.Ended, "Discharged until the event ended", reason);
                    break;
                default:
                    Add(OutcomeRow.Ended, meaning ?? p.State, reason);
                    break;
            }
        }

        static string SideText(RefusingSide side) => side switch
        {
            RefusingSide.Evse => "charger",
            RefusingSide.Ev => "car",
            RefusingSide.Grid => "grid",
            RefusingSide.Program => "program",
            _ => "portal",
        };

        return [.. rows.OrderBy(r => r.Kind).ThenByDescending(r => r.Cars).ThenBy(r => r.Outcome, StringComparer.Ordinal)];
    }
}

/// <summary>One row of an event's outcomes: which kind (discharging, starting, refused, ended), what, whose side, how many cars.</summary>
public sealed record OutcomeRow(int Kind, string Outcome, string? Side, int Cars)
{
    public const int Discharging = 0;
    public const int Starting = 1;
    public const int Refused = 2;
    public const int Ended = 3;

    public string KindText => Kind switch
    {
        Discharging => "Discharging",
        Starting => "Starting",
        Refused => "Refused",
        _ => "Ended",
    };
}

/// <summary>
/// The results of events, for the operator's page and the REST API alike (no personal data: a fleet's vehicles by their
/// fleet names, other cars only by id for the caller to pseudonymise). Achieved power comes from
/// <see cref="EventResults"/>, as the mediator's chart does.
/// </summary>
public sealed class EventReports(PortalDbContext db, TimeProvider time)
{
    /// <summary>An event of the operator's, with its results; null when it is not theirs.</summary>
    public async Task<EventReport?> ForOperatorAsync(Guid operatorId, Guid eventId, CancellationToken cancellationToken)
    {
        var owned = await (from e in db.ProgramEvents.AsNoTracking()
                           join p in db.DischargePrograms.AsNoTracking() on e.ProgramId equals p.Id
                           where e.Id == eventId && p.OperatorId == operatorId
                           select new { e, p }).SingleOrDefaultAsync(cancellationToken);
        return owned is null ? null : (await BuildAsync([(owned.e, owned.p)], cancellationToken)).Single();
    }

    /// <summary>The operator's past events (ended or cancelled), latest first, with their results.</summary>
    public async Task<IReadOnlyList<EventReport>> PastAsync(Guid operatorId, Guid? programId, int take, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var past = await (from e in db.ProgramEvents.AsNoTracking()
                          join p in db.DischargePrograms.AsNoTracking() on e.ProgramId equals p.Id
                          where p.OperatorId == operatorId && (programId == null || e.ProgramId == programId) && (e.CancelledAt != null || e.End <= now)
                          orderby e.End descending
                          select new { e, p }).Take(Math.Clamp(take, 1, 100)).ToListAsync(cancellationToken);
        return await BuildAsync(past.Select(x => (x.e, x.p)).ToList(), cancellationToken);
    }

    private async Task<IReadOnlyList<EventReport>> BuildAsync(List<(ProgramEvent Event, DischargeProgram Program)> events, CancellationToken ct)
    {
        var ids = events.Select(e => e.Event.Id).ToList();
        var commands = await db.DischargeCommands.AsNoTracking().Where(c => EF.Parameter(ids).Contains(c.EventId)).ToListAsync(ct);
        var decisions = await db.EventDecisions.AsNoTracking().Where(d => EF.Parameter(ids).Contains(d.EventId)).ToListAsync(ct);
        var vehicleIds = commands.Select(c => c.VehicleId).Concat(decisions.Select(d => d.VehicleId)).Distinct().ToList();
        var fleetNames = await db.Vehicles.AsNoTracking().Where(v => EF.Parameter(vehicleIds).Contains(v.Id) && v.FleetSiteId != null).ToDictionaryAsync(v => v.Id, v => v.Name, ct);
        var evseIds = commands.Select(c => c.EvseId).Concat(decisions.Select(d => d.EvseId).OfType<Guid>()).Distinct().ToList();
        var chargers = await db.Evses.AsNoTracking().Where(e => EF.Parameter(evseIds).Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, ct);
        var commandsByEvent = commands.ToLookup(c => c.EventId);
        var decisionsByEvent = decisions.ToLookup(d => d.EventId);
        return events.Select(e => Build(e.Event, e.Program.Name, [.. commandsByEvent[e.Event.Id]], [.. decisionsByEvent[e.Event.Id]], fleetNames, chargers) with
        {
            Zone = Presentation.Clock.Zone(e.Program.TimeZoneId),
            Currency = e.Program.Currency,
        }).ToList();
    }

    private static EventReport Build(ProgramEvent programEvent, string programName, List<DischargeCommand> commands, List<EventDecision> decisions, Dictionary<Guid, string> fleetNames, Dictionary<Guid, string> chargers)
    {
        var participants = new List<ParticipantOutcome>();
        foreach (var segments in commands.GroupBy(c => c.VehicleId))
        {
            var latest = segments.MaxBy(c => c.Segment)!;
            participants.Add(new ParticipantOutcome(
                latest.VehicleId,
                fleetNames.GetValueOrDefault(latest.VehicleId),
                chargers.GetValueOrDefault(latest.EvseId, ""),
                latest.State.ToString(),
                latest.Kw,
                EventResults.MeasuredKw(latest),
                Math.Round(segments.Sum(c => c.DischargedKwh), 3),
                segments.Count(),
                EndReasons(latest)));
        }

        var withCommand = participants.Select(p => p.VehicleId).ToHashSet();
        foreach (var refused in decisions.Where(d => !d.Accepted && !withCommand.Contains(d.VehicleId)))
        {
            participants.Add(new ParticipantOutcome(refused.VehicleId, fleetNames.GetValueOrDefault(refused.VehicleId), refused.EvseId is { } e ? chargers.GetValueOrDefault(e, "") : "",
                ParticipantOutcome.Refused, null, 0, 0, 0, refused.Reasons));
        }

        var ordered = participants.OrderBy(p => p.FleetName ?? "\uffff", StringComparer.Ordinal).ThenBy(p => p.VehicleId).ToList();
        return new EventReport(
            programEvent,
            programName,
            ordered,
            ordered.GroupBy(p => p.State).ToDictionary(g => g.Key, g => g.Count()),
            ordered.Where(p => p.State == ParticipantOutcome.Refused).SelectMany(p => p.Reasons.Select(r => r.Id)).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count()),
            EventResults.AchievedKw(commands.Where(c => !c.IsTerminal)),
            Math.Round(commands.Sum(c => c.DischargedKwh), 3));
    }

    private static IReadOnlyList<Reason> EndReasons(DischargeCommand command) =>
        command.EndReason is { } entry ? [new Reason(entry.Code, command.ReasonText ?? entry.Meaning)] : [];
}
