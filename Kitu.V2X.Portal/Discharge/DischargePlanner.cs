using System.Globalization;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// Plans one pass: for every event in force (a utility emergency first, then the oldest) and every enrolled car
/// plugged into a live charger that has no live command, decides with <see cref="AgreementToDischarge"/> and writes
/// an accepted command to the outbox. A refusal, or a command that ended for a reason that clears, is decided again —
/// at once when a fact changed, else after the retry time — and an agreement then starts the car's next segment of
/// the event. A car its driver stopped stays out until the driver resumes; a part that ended for good stays ended.
/// </summary>
public sealed partial class DischargePlanner(EvseConnections connections, CommandWatch watch, IOptions<MediatorOptions> options, ILogger<DischargePlanner> logger)
{
    private readonly MediatorOptions o = options.Value;

    public async Task PlanAsync(PassContext pass, CancellationToken ct)
    {
        var facts = pass.Facts;
        var now = pass.Now;
        var inForce = facts.EventsInForce(now).ToList();
        if (inForce.Count == 0)
        {
            return;
        }

        var eventIds = inForce.Select(e => e.Id).ToList();
        var db = pass.Db;

        // The last segment of every car's part in each event: whether, and when, it may take part again.
        var last = (await db.DischargeCommands.AsNoTracking().Where(c => EF.Parameter(eventIds).Contains(c.EventId))
                .Select(c => new PreviousCommand(c.EventId, c.VehicleId, c.Segment, c.State, c.ReasonCode, c.EndedAt)).ToListAsync(ct))
            .GroupBy(c => (c.EventId, c.VehicleId)).ToDictionary(g => g.Key, g => g.MaxBy(c => c.Segment)!);

        // Untracked: one per car of every event in force, read each pass; only a decision that changed is written.
        var decisions = await db.EventDecisions.AsNoTracking().Where(d => EF.Parameter(eventIds).Contains(d.EventId)).ToDictionaryAsync(d => (d.EventId, d.VehicleId), ct);
        var busy = pass.Live.Where(c => !c.IsTerminal).Select(c => c.VehicleId).ToHashSet();

        foreach (var programEvent in inForce.OrderByDescending(e => facts.Program(e.ProgramId)!.IsEmergency).ThenBy(e => e.CreatedAt))
        {
            foreach (var (_, vehicle) in facts.EnrolledIn(programEvent.ProgramId))
            {
                var key = (programEvent.Id, vehicle.Id);
                if (busy.Contains(vehicle.Id))
                {
                    continue;
                }

                var earlier = decisions.GetValueOrDefault(key);
                if (earlier is { Final: true } or { StoppedByDriverAt: not null })
                {
                    continue;
                }

                var previous = last.GetValueOrDefault(key);
                if (previous is not null && !MayRejoin(previous, earlier, pass))
                {
                    if (!previous.Clears(earlier))
                    {
                        Finish(pass, programEvent, vehicle, earlier);
                    }

                    continue;
                }

                if (earlier?.RetryAt > now && !pass.Urgent)
                {
                    continue;
                }

                if (connections.WhereIs(vehicle.Identifier) is not { } at || facts.Input(programEvent, vehicle, at.EvseId, now, pass.Live) is not { } input)
                {
                    continue; // not plugged in anywhere live: nothing to decide yet
                }

                if (at.Status?.CommandId is { } executing && !pass.Live.Exists(c => c.Id == executing && !c.IsTerminal))
                {
                    continue; // the charger still runs a command the portal ended (it is being told to stop): next pass
                }

                var decision = AgreementToDischarge.Decide(input);
                if (!decision.Accepted && earlier is { Accepted: false } && earlier.EvseId == at.EvseId && SameReasons(earlier.Reasons, decision.Reasons))
                {
                    continue; // the same refusal again: nothing to write
                }

                earlier = Record(pass, programEvent, vehicle, at.EvseId, decision, earlier);
                decisions[key] = earlier;
                if (!decision.Accepted)
                {
                    LogRefused(at.EvseId, string.Join(", ", decision.Reasons.Select(r => r.Id)));
                    continue;
                }

                var command = DischargeCommand.Create(new CommandPlan(
                    programEvent.Id,
                    programEvent.ProgramId,
                    input.Event.ProgramName,
                    vehicle.Id,
                    at.EvseId,
                    input.Event.Executor,
                    input.Event.Executor == ProgramExecutor.Ev ? facts.TelematicsOperatorFor(vehicle) : null,
                    decision.Kw,
                    decision.Until,
                    (previous?.Segment ?? 0) + 1,
                    decision.PowerLimitedBy == PowerLimit.Grid), now, TimeSpan.FromSeconds(o.FailSafeSeconds));
                pass.NewCommands.Add(command);
                pass.Live.Add(command);
                busy.Add(vehicle.Id);
                LogDecided(at.EvseId, command.Id, decision.Kw, command.Segment);

                // Out at once, while the planner goes on with the other cars: a fan-out to thousands starts with the first.
                watch.Watch(pass, command);
            }
        }
    }

    /// <summary>
    /// A car whose last segment ended may take part again when the reason clears: at once when a fact changed (unless
    /// the executor itself refused or did not follow: then after the retry time), else after the retry time.
    /// </summary>
    private bool MayRejoin(PreviousCommand previous, EventDecision? decision, PassContext pass)
    {
        if (!previous.IsTerminal || !previous.Clears(decision))
        {
            return false;
        }

        var executorSaidNo = previous.State is CommandState.Rejected or CommandState.NotFollowed
            || previous.ReasonCode is "evse.no_ack" or "ev.no_ack";
        var retryAt = (previous.EndedAt ?? pass.Now).AddSeconds(o.RetryRefusedSeconds);
        return (pass.Urgent && !executorSaidNo) || pass.Now >= retryAt;
    }

    private EventDecision Record(PassContext pass, ProgramEvent programEvent, Vehicle vehicle, Guid evseId, Decision decision, EventDecision? earlier)
    {
        var db = pass.Db;
        if (earlier is null)
        {
            earlier = new EventDecision { EventId = programEvent.Id, VehicleId = vehicle.Id };
            pass.NewDecisions.Add(earlier);
        }
        else if (!pass.NewDecisions.Contains(earlier) && db.Entry(earlier).State == EntityState.Detached)
        {
            db.EventDecisions.Update(earlier);
        }

        earlier.EvseId = evseId;
        earlier.Accepted = decision.Accepted;
        earlier.Reasons = [.. decision.Reasons];
        earlier.DecidedAt = pass.Now;
        earlier.RetryAt = decision.Accepted ? null : pass.Now.AddSeconds(o.RetryRefusedSeconds);
        pass.Audit(new AuditEntry
        {
            At = pass.Now,
            EvseId = evseId,
            VehicleId = vehicle.Id,
            ProgramId = programEvent.ProgramId,
            EventId = programEvent.Id,
            Outcome = decision.Accepted ? $"accepted {decision.Kw.ToString("0.##", CultureInfo.InvariantCulture)} kW until {decision.Until:HH:mm} UTC" : "refused",
            Reasons = [.. decision.Reasons],
        });
        return earlier;
    }

    /// <summary>The car's part in the event ended for good (the event's window, a car that cannot discharge): it is not looked at again.</summary>
    private static void Finish(PassContext pass, ProgramEvent programEvent, Vehicle vehicle, EventDecision? decision)
    {
        if (decision is null)
        {
            decision = new EventDecision { EventId = programEvent.Id, VehicleId = vehicle.Id, Accepted = true, DecidedAt = pass.Now };
            pass.NewDecisions.Add(decision);
        }
        else if (!pass.NewDecisions.Contains(decision) && pass.Db.Entry(decision).State == EntityState.Detached)
        {
            pass.Db.EventDecisions.Update(decision);
        }

        decision.Final = true;
        pass.Changed = true;
        pass.Touched.Add(decision.EvseId, decision.VehicleId, programEvent.ProgramId, decision.EventId);
    }

    private static bool SameReasons(List<Reason> a, IReadOnlyList<Reason> b) => a.Count == b.Count && a.Zip(b).All(p => p.First == p.Second);

    /// <summary>The last segment of a car's part in an event, as the planner needs it.</summary>
    private sealed record PreviousCommand(Guid EventId, Guid VehicleId, int Segment, CommandState State, string? ReasonCode, DateTimeOffset? EndedAt)
    {
        public bool IsTerminal => State is CommandState.Completed or CommandState.Rejected or CommandState.NotFollowed or CommandState.Stopped or CommandState.Interrupted;

        /// <summary>Whether its end can clear (a driver's stop clears once the driver resumes).</summary>
        public bool Clears(EventDecision? decision) =>
            State != CommandState.Completed
            && (ReasonCode == "ev.stopped_by_driver" ? decision?.StoppedByDriverAt is null : ReasonCatalog.WithId(ReasonCode) is not { Clears: false });
    }

    [LoggerMessage(LogLevel.Debug, "EVSE {EvseId}: command {CommandId} accepted at {Kw} kW (segment {Segment})")]
    private partial void LogDecided(Guid evseId, Guid commandId, double kw, int segment);

    [LoggerMessage(LogLevel.Debug, "EVSE {EvseId}: refused ({Reasons})")]
    private partial void LogRefused(Guid evseId, string reasons);
}
