using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Linq.Expressions;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Workers;

/// <summary>
/// Turns program events into discharge commands and watches them: for each enrolled vehicle plugged into a live
/// EVSE it decides with <see cref="AgreementToDischarge"/>, writes accepted commands to the outbox (one per event
/// and vehicle; the id is the idempotency key), sends them over the EVSE's connection, resends on ack timeout,
/// follows them Pending → Sent → Acked → Running → Completed, and stops them on the monitor rules, when power does
/// not follow, or when the link is lost. Commands of EV-executed programs travel over the car maker's telematics link
/// instead, and the car's own reports say whether they are followed (seed A.2.2). Every decision and transition goes to the audit trail. Passes run one at
/// a time; after a restart the next pass resumes from the outbox.
/// </summary>
public sealed partial class DischargeMediator(
    IServiceScopeFactory scopes,
    EvseConnections connections,
    GridRulesFeed grid,
    IHubContext<EvseHub, IEvseClient> hub,
    TelematicsLinks telematics,
    IHubContext<TelematicsHub, ITelematicsClient> telematicsHub,
    MediatorNotifier notifier,
    Programs.EventPowerSeries power,
    IOptions<MediatorOptions> options,
    TimeProvider time,
    ILogger<DischargeMediator> logger) : BackgroundService
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly MediatorOptions o = options.Value;
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> linkLostAt = new();
    private readonly ConcurrentDictionary<Guid, Guid> liveCommandByEvse = new();
    private readonly ConcurrentDictionary<Guid, Guid> liveTelematicsCommands = new();

    // Acks of commands sent to an EVSE are taken in memory and written by the next pass, in one transaction with every
    // other ack that arrived meanwhile: a fan-out to thousands of EVSEs does not queue thousands of transactions. Until
    // written, a crash leaves the command Sent and the resend (same id) is acked again — the outbox's promise holds.
    private readonly ConcurrentDictionary<Guid, Guid> awaitingAck = new();
    private readonly ConcurrentQueue<(Guid CommandId, DateTimeOffset At)> acks = new();

    // What each vehicle's live command is and where it runs, as of the last pass: the driver's stop goes out at once
    // from here, without waiting for a pass in progress; the outbox's state follows under the gate.
    private readonly ConcurrentDictionary<Guid, LiveCommand> liveByVehicle = new();

    // Commands already told to stop from that view: the pass that then ends them in the outbox does not send again.
    private readonly ConcurrentDictionary<Guid, byte> toldToStop = new();

    // Commands and stops a pass sends go out side by side and are awaited together at its end, not one by one.
    private readonly List<Task> outgoing = [];
    private volatile TaskCompletionSource nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile TaskCompletionSource watchNudge = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Asks for a pass now (an event dispatched, a charger connected, its owner's policy or its grid rules changed).</summary>
    public void Nudge() => nudge.TrySetResult();

    /// <summary>
    /// Asks for a pass soon (a status or an ack arrived for a running command, a link dropped): after a rest as long as
    /// the last pass took (at most <see cref="MaxRest"/>), so that with thousands of running commands the mediator
    /// leaves at least half of its time to the requests and links — a driver's stop among them.
    /// </summary>
    private void NudgeWatch() => watchNudge.TrySetResult();

    private static readonly TimeSpan MaxRest = TimeSpan.FromSeconds(2);

    /// <summary>Unprompted passes come at least every tick, and no more often than every four pass durations (at most 5 s apart).</summary>
    private static readonly TimeSpan MaxTick = TimeSpan.FromSeconds(5);

    /// <summary>Runs one pass now and waits for it (tests, and the driver's stop button).</summary>
    public async Task PassNowAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await PassAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task OnEvseConnectedAsync(Guid evseId, CancellationToken cancellationToken)
    {
        linkLostAt.TryRemove(evseId, out _);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var charger = await (from e in db.Evses.AsNoTracking()
                             join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                             where e.Id == evseId
                             select new { e.OwnerAllowsDischarge, s.Policy }).SingleOrDefaultAsync(cancellationToken);
        if (connections.Get(evseId) is not { } live)
        {
            return;
        }

        var client = hub.Clients.Client(live.ConnectionId);
        await client.GridRules(GridMessage(grid.Get(evseId)));
        if (charger is not null)
        {
            await client.OwnerPolicy(new OwnerPolicyMessage(charger.OwnerAllowsDischarge, charger.Policy.MaxExportKw, charger.Policy.SocFloorPercent));
        }

        Nudge();
    }

    /// <summary>Tells a live EVSE its owner's policy changed.</summary>
    public async Task OnOwnerPolicyChangedAsync(Guid evseId, bool allowDischarge, SitePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (connections.Get(evseId) is { } live)
        {
            await hub.Clients.Client(live.ConnectionId).OwnerPolicy(new OwnerPolicyMessage(allowDischarge, policy.MaxExportKw, policy.SocFloorPercent));
        }

        Nudge();
    }

    public Task OnStatusAsync(Guid evseId, StatusMessage status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (liveCommandByEvse.ContainsKey(evseId) || status.CommandId is not null)
        {
            NudgeWatch();
        }

        notifier.EvseStatus(evseId, status);
        return Task.CompletedTask;
    }

    /// <summary>The EVSE acked a command; false when it names no command of this EVSE.</summary>
    public Task<bool> OnAckAsync(Guid evseId, Guid commandId, CancellationToken cancellationToken)
    {
        if (awaitingAck.TryGetValue(commandId, out var sentTo) && sentTo == evseId)
        {
            acks.Enqueue((commandId, time.GetUtcNow()));
            NudgeWatch();
            return Task.FromResult(true);
        }

        return TransitionAsync(c => c.Id == commandId && c.EvseId == evseId && c.Executor == ProgramExecutor.Evse, Ack, cancellationToken);
    }

    /// <summary>The EVSE rejected a command with its reason; false when it names no command of this EVSE.</summary>
    public Task<bool> OnRejectAsync(Guid evseId, Guid commandId, string reason, CancellationToken cancellationToken) =>
        TransitionAsync(c => c.Id == commandId && c.EvseId == evseId && c.Executor == ProgramExecutor.Evse, Reject(reason, "The charger"), cancellationToken);

    /// <summary>A car acked a command over its maker's link; false when it names no command carried by that link.</summary>
    public Task<bool> OnTelematicsAckAsync(Guid operatorId, Guid commandId, CancellationToken cancellationToken) =>
        TransitionAsync(c => c.Id == commandId && c.TelematicsOperatorId == operatorId && c.Executor == ProgramExecutor.Ev, Ack, cancellationToken);

    /// <summary>A car rejected a command over its maker's link (its own reason, or the EVSE's); false when it names no command of that link.</summary>
    public Task<bool> OnTelematicsRejectAsync(Guid operatorId, Guid commandId, string reason, CancellationToken cancellationToken) =>
        TransitionAsync(c => c.Id == commandId && c.TelematicsOperatorId == operatorId && c.Executor == ProgramExecutor.Ev, Reject(reason, "The car"), cancellationToken);

    /// <summary>
    /// A car's report over its maker's link: kept for the watch of its live command; for a command the portal does
    /// not run any more, kept only while the car says it discharges (so the orphan check can stop it). False when the
    /// report names a command of another link, or an unknown one the car is not discharging for.
    /// </summary>
    public bool OnTelematicsReport(Guid operatorId, VehicleReportMessage report, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(report);
        var known = liveTelematicsCommands.TryGetValue(report.CommandId, out var carriedBy);
        if ((known && carriedBy != operatorId) || (!known && report.PowerKw >= 0) || !telematics.Report(operatorId, report, at))
        {
            return false;
        }

        NudgeWatch();
        return true;
    }

    public void OnTelematicsConnected(Guid operatorId)
    {
        linkLostAt.TryRemove(operatorId, out _);
        Nudge();
    }

    /// <summary>
    /// The driver pressed "stop discharging now": the stop goes to whoever executes the vehicle's live command at once
    /// (even while a pass is running), then the command is ended in the outbox and audited.
    /// </summary>
    public async Task<bool> StopByDriverAsync(Guid vehicleId, CancellationToken cancellationToken)
    {
        if (liveByVehicle.TryGetValue(vehicleId, out var running))
        {
            await StopNowAsync(running, ReasonCatalog.Of(ReasonCode.EvStoppedByDriver).Id);
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var now = time.GetUtcNow();
            var live = await db.DischargeCommands.Where(c => c.VehicleId == vehicleId && (c.State == CommandState.Pending || c.State == CommandState.Sent || c.State == CommandState.Acked || c.State == CommandState.Running)).ToListAsync(cancellationToken);
            var identifier = await db.Vehicles.AsNoTracking().Where(v => v.Id == vehicleId).Select(v => v.Identifier).SingleOrDefaultAsync(cancellationToken);
            var reason = new Reason(ReasonCode.EvStoppedByDriver, "You stopped discharging.");
            foreach (var command in live)
            {
                await StopAsync(db, command, CommandState.Stopped, [reason], now, LinkFor(command, identifier));
            }

            await FlushOutgoingAsync();

            await db.SaveChangesAsync(cancellationToken);
            notifier.CommandsChanged();
            return live.Count > 0;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The operator cancelled an event (already saved): every car discharging for it is told to stop at once, side by
    /// side, from the in-memory view; then a pass ends the commands in the outbox and audits them.
    /// </summary>
    public async Task CancelledAsync(Guid eventId, CancellationToken cancellationToken)
    {
        var reason = ReasonCatalog.Of(ReasonCode.ProgramEventCancelled).Id;
        await Task.WhenAll(liveByVehicle.Values.Where(c => c.EventId == eventId)
            .Select(c => StopNowAsync(c, reason)));
        await PassNowAsync(cancellationToken);
    }

    public override void Dispose()
    {
        gate.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        connections.Disconnected += OnDisconnected;
        telematics.Disconnected += OnDisconnected;
        grid.Changed += OnGridChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var urgent = nudge.Task;
                var watch = watchNudge.Task;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await PassNowAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or IOException)
                {
                    LogPassFailed(ex);
                }

                var spent = Stopwatch.GetElapsedTime(started);
                var tick = TimeSpan.FromMilliseconds(Math.Clamp(4 * spent.TotalMilliseconds, o.TickMilliseconds, Math.Max(o.TickMilliseconds, MaxTick.TotalMilliseconds)));
                var rest = spent < MaxRest ? spent : MaxRest;
                var ended = Stopwatch.GetTimestamp();
                if (await Task.WhenAny(urgent, watch, Task.Delay(tick, time, stoppingToken)) == watch && !urgent.IsCompleted
                    && rest - Stopwatch.GetElapsedTime(ended) is { Ticks: > 0 } left)
                {
                    await Task.WhenAny(urgent, Task.Delay(left, stoppingToken)); // real time: the rest is about CPU, not the rules
                }

                if (urgent.IsCompleted)
                {
                    nudge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                if (watch.IsCompleted)
                {
                    watchNudge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        finally
        {
            connections.Disconnected -= OnDisconnected;
            telematics.Disconnected -= OnDisconnected;
            grid.Changed -= OnGridChanged;
        }
    }

    private static GridRulesMessage GridMessage(GridRules rules) => new(
        rules.Integration == GridIntegration.Integrated,
        rules.Energize,
        rules.Connect,
        rules.ExportLimitW is { } w ? w / 1000 : null,
        rules.ActiveControl?.Description,
        rules.Integration == GridIntegration.Integrated ? rules.ValidUntil : null);

    private static string Kw(double kw) => kw.ToString("0.##", CultureInfo.InvariantCulture) + " kW";

    /// <summary>An EVSE's link, or an OEM's telematics link, was lost (the ids never collide).</summary>
    private void OnDisconnected(Guid linkId)
    {
        linkLostAt[linkId] = time.GetUtcNow();
        NudgeWatch();
    }

    private void OnGridChanged(GridRules rules)
    {
        if (connections.Get(rules.EvseId) is { } live)
        {
            _ = hub.Clients.Client(live.ConnectionId).GridRules(GridMessage(rules));
        }

        Nudge();
    }

    private static string? Ack(DischargeCommand command, DateTimeOffset now)
    {
        if (command.State is CommandState.Pending or CommandState.Sent)
        {
            command.State = CommandState.Acked;
            command.AckedAt = now;
            return "acked";
        }

        return null; // a duplicate ack of a resent command: nothing changes
    }

    private static Func<DischargeCommand, DateTimeOffset, string?> Reject(string reason, string who) => (command, now) =>
    {
        if (command.IsTerminal)
        {
            return null;
        }

        command.End(CommandState.Rejected, now, reason, $"{who} refused the command ({reason}).");
        return who == "The car" ? "rejected by the EV" : "rejected by the EVSE";
    };

    private async Task<bool> TransitionAsync(Expression<Func<DischargeCommand, bool>> which, Func<DischargeCommand, DateTimeOffset, string?> change, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var command = await db.DischargeCommands.SingleOrDefaultAsync(which, cancellationToken);
            if (command is null)
            {
                return false;
            }

            var now = time.GetUtcNow();
            if (change(command, now) is { } outcome)
            {
                if (command.IsTerminal)
                {
                    telematics.Forget(command.Id);
                }

                Audit(db, command, now, outcome, []);
                await db.SaveChangesAsync(cancellationToken);
                notifier.CommandsChanged();
                NudgeWatch();
            }

            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PassAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = time.GetUtcNow();
        var live = await db.DischargeCommands
            .Where(c => c.State == CommandState.Pending || c.State == CommandState.Sent || c.State == CommandState.Acked || c.State == CommandState.Running)
            .ToListAsync(ct);
        var changed = ApplyAcks(db, live);
        var facts = await MediationFacts.LoadAsync(db, live, connections, telematics, grid, now, ct);
        var loaded = Stopwatch.GetElapsedTime(started);
        changed |= await DecideAsync(db, facts, live, now, ct);
        var decided = Stopwatch.GetElapsedTime(started);

        foreach (var command in live.ToList())
        {
            changed |= await AdvanceAsync(db, facts, command, live, now);
        }

        liveCommandByEvse.Clear();
        liveTelematicsCommands.Clear();
        liveByVehicle.Clear();
        foreach (var command in live)
        {
            if (command.State != CommandState.Sent || command.Executor != ProgramExecutor.Evse)
            {
                awaitingAck.TryRemove(command.Id, out _);
            }
            else
            {
                awaitingAck[command.Id] = command.EvseId;
            }

            if (command.IsTerminal)
            {
                telematics.Forget(command.Id);
                toldToStop.TryRemove(command.Id, out _);
                continue;
            }

            liveCommandByEvse[command.EvseId] = command.Id;
            liveByVehicle[command.VehicleId] = new LiveCommand(command.Id, command.EventId, command.EvseId, command.Executor, command.TelematicsOperatorId, facts.Vehicle(command.VehicleId)?.Identifier);
            if (command.TelematicsOperatorId is { } carriedBy)
            {
                liveTelematicsCommands[command.Id] = carriedBy;
            }
        }

        await StopOrphansAsync(db, live, ct);
        await FlushOutgoingAsync();
        RecordPower(facts, live, now);

        var worked = Stopwatch.GetElapsedTime(started);
        if (changed)
        {
            await db.SaveChangesAsync(ct);
            notifier.CommandsChanged();
        }

        LogPass(live.Count, loaded.TotalMilliseconds, (decided - loaded).TotalMilliseconds, (worked - decided).TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Writes the acks taken in memory since the last pass (a duplicate or a late one changes nothing).</summary>
    private bool ApplyAcks(PortalDbContext db, List<DischargeCommand> live)
    {
        if (acks.IsEmpty)
        {
            return false;
        }

        var byId = live.ToDictionary(c => c.Id);
        var changed = false;
        while (acks.TryDequeue(out var ack))
        {
            awaitingAck.TryRemove(ack.CommandId, out _);
            if (byId.TryGetValue(ack.CommandId, out var command) && Ack(command, ack.At) is { } outcome)
            {
                Audit(db, command, ack.At, outcome, []);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// For the operator's monitor: per event in force (or with live commands), the power the cars achieve against the
    /// target — the total target when the event gives one, else what the live commands ask for.
    /// </summary>
    private void RecordPower(MediationFacts facts, List<DischargeCommand> live, DateTimeOffset now)
    {
        var byEvent = live.Where(c => !c.IsTerminal).GroupBy(c => c.EventId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var programEvent in facts.EventsInForce(now).Concat(byEvent.Keys.Select(facts.Event).OfType<ProgramEvent>()).DistinctBy(e => e.Id))
        {
            var commands = byEvent.GetValueOrDefault(programEvent.Id) ?? [];
            var achieved = commands.Where(c => c.State is CommandState.Acked or CommandState.Running).Sum(c => -(c.MeasuredKw ?? 0));
            power.Record(programEvent.Id, achieved, programEvent.TotalTargetKw ?? commands.Sum(c => c.Kw));
        }
    }

    /// <summary>Decides for every enrolled, plugged-in vehicle of every event in force that has no command yet.</summary>
    private async Task<bool> DecideAsync(PortalDbContext db, MediationFacts facts, List<DischargeCommand> live, DateTimeOffset now, CancellationToken ct)
    {
        var inForce = facts.EventsInForce(now).ToList();
        if (inForce.Count == 0)
        {
            return false;
        }

        var eventIds = inForce.Select(e => e.Id).ToList();
        var commanded = (await db.DischargeCommands.AsNoTracking().Where(c => eventIds.Contains(c.EventId)).Select(c => new { c.EventId, c.VehicleId }).ToListAsync(ct))
            .Select(c => (c.EventId, c.VehicleId)).ToHashSet();
        // Untracked: one per car of every event in force, read each pass; only a decision taken again is attached.
        var decisions = await db.EventDecisions.AsNoTracking().Where(d => eventIds.Contains(d.EventId)).ToDictionaryAsync(d => (d.EventId, d.VehicleId), ct);
        var busy = live.Where(c => !c.IsTerminal).Select(c => c.VehicleId).ToHashSet();
        var changed = false;

        foreach (var programEvent in inForce.OrderByDescending(e => facts.Program(e.ProgramId)!.IsEmergency).ThenBy(e => e.CreatedAt))
        {
            foreach (var (_, vehicle) in facts.EnrolledIn(programEvent.ProgramId))
            {
                var key = (programEvent.Id, vehicle.Id);
                if (commanded.Contains(key) || busy.Contains(vehicle.Id))
                {
                    continue;
                }

                if (decisions.TryGetValue(key, out var earlier) && earlier.RetryAt > now)
                {
                    continue;
                }

                if (connections.WhereIs(vehicle.Identifier) is not { } at || facts.Input(programEvent, vehicle, at.EvseId, now, live) is not { } input)
                {
                    continue; // not plugged in anywhere live: nothing to decide yet
                }

                var decision = AgreementToDischarge.Decide(input);
                if (earlier is null)
                {
                    earlier = new EventDecision { EventId = programEvent.Id, VehicleId = vehicle.Id };
                    db.EventDecisions.Add(earlier);
                    decisions[key] = earlier;
                }
                else
                {
                    db.EventDecisions.Update(earlier);
                }

                earlier.EvseId = at.EvseId;
                earlier.Accepted = decision.Accepted;
                earlier.Reasons = [.. decision.Reasons];
                earlier.DecidedAt = now;
                earlier.RetryAt = decision.Accepted ? null : now.AddSeconds(o.RetryRefusedSeconds);
                changed = true;

                db.AuditEntries.Add(new AuditEntry
                {
                    At = now,
                    EvseId = at.EvseId,
                    VehicleId = vehicle.Id,
                    ProgramId = programEvent.ProgramId,
                    EventId = programEvent.Id,
                    Outcome = decision.Accepted ? $"accepted {Kw(decision.Kw)} until {decision.Until:HH:mm} UTC" : "refused",
                    Reasons = [.. decision.Reasons],
                });

                if (decision.Accepted)
                {
                    var command = new DischargeCommand
                    {
                        EventId = programEvent.Id,
                        ProgramId = programEvent.ProgramId,
                        ProgramName = input.Event.ProgramName,
                        VehicleId = vehicle.Id,
                        EvseId = at.EvseId,
                        Executor = input.Event.Executor,
                        TelematicsOperatorId = input.Event.Executor == ProgramExecutor.Ev ? facts.TelematicsOperatorFor(vehicle) : null,
                        Kw = decision.Kw,
                        Until = decision.Until,
                        FailSafeDeadline = Min(decision.Until, now.AddSeconds(o.FailSafeSeconds)),
                        CreatedAt = now,
                    };
                    db.DischargeCommands.Add(command);
                    live.Add(command);
                    commanded.Add(key);
                    busy.Add(vehicle.Id);
                    LogDecided(at.EvseId, command.Id, decision.Kw);
                }
                else
                {
                    LogRefused(at.EvseId, string.Join(", ", decision.Reasons.Select(r => r.Id)));
                }
            }
        }

        return changed;
    }

    /// <summary>Moves one live command along: send, resend, running, followed, monitor, renew, link lost.</summary>
    private async Task<bool> AdvanceAsync(PortalDbContext db, MediationFacts facts, DischargeCommand command, List<DischargeCommand> live, DateTimeOffset now)
    {
        var byEv = command.Executor == ProgramExecutor.Ev;
        var link = LinkFor(command, facts.Vehicle(command.VehicleId)?.Identifier);
        if (link is null)
        {
            var lost = linkLostAt.GetOrAdd(byEv ? command.TelematicsOperatorId ?? Guid.Empty : command.EvseId, now);
            if (now - lost < TimeSpan.FromSeconds(o.LinkGraceSeconds))
            {
                return false;
            }

            var (code, text) = byEv
                ? ("ev.link_lost", $"The link to the car's maker was lost; the car stops by itself by {command.FailSafeDeadline:HH:mm:ss} UTC.")
                : ("evse.link_lost", $"The link to the charger was lost; it stops by itself by {command.FailSafeDeadline:HH:mm:ss} UTC.");
            command.End(CommandState.Interrupted, now, code, text);
            Audit(db, command, now, "interrupted: link lost", []);
            return true;
        }

        switch (command.State)
        {
            case CommandState.Pending:
                if (!byEv)
                {
                    awaitingAck[command.Id] = command.EvseId; // before the send: the ack may come back at once
                }

                await SendAsync(link, command, now);
                Audit(db, command, now, byEv ? "sent to the car over its maker's link" : "sent", []);
                return true;

            case CommandState.Sent when now - command.SentAt >= TimeSpan.FromSeconds(o.AckTimeoutSeconds):
                if (command.Attempts >= o.MaxAttempts)
                {
                    command.End(CommandState.Interrupted, now, byEv ? "ev.no_ack" : "evse.no_ack", $"The {(byEv ? "car" : "charger")} did not acknowledge the command after {command.Attempts} tries.");
                    Audit(db, command, now, "interrupted: no ack", []);
                    return true;
                }

                await SendAsync(link, command, now);
                Audit(db, command, now, $"resent (try {command.Attempts})", []);
                return true;

            case CommandState.Acked or CommandState.Running:
                return await WatchAsync(db, facts, command, link, live, now);

            default:
                return false;
        }
    }

    /// <summary>
    /// The link that carries a command: the EVSE's live connection, or — for an EV-executed program — the
    /// telematics link of the car's maker. Null while it is down.
    /// </summary>
    private CommandLink? LinkFor(DischargeCommand command, string? vehicleIdentifier) =>
        LinkFor(command.Executor, command.EvseId, command.TelematicsOperatorId, vehicleIdentifier, Outgoing);

    /// <param name="send">What to do with each message's send: batch it with the pass's (<see cref="Outgoing"/>), or await it.</param>
    private CommandLink? LinkFor(ProgramExecutor executor, Guid evseId, Guid? telematicsOperatorId, string? vehicleIdentifier, Func<Task, Task> send)
    {
        if (executor == ProgramExecutor.Ev)
        {
            if (telematicsOperatorId is not { } operatorId || telematics.ConnectionOf(operatorId) is not { } connectionId || vehicleIdentifier is null)
            {
                return null;
            }

            var car = telematicsHub.Clients.Client(connectionId);
            return new CommandLink(
                c => send(car.Discharge(new VehicleCommandMessage(c.Id, vehicleIdentifier, c.Kw, c.Until, c.ProgramName, c.FailSafeDeadline))),
                (id, reason) => send(car.Stop(new VehicleStopMessage(id, vehicleIdentifier, reason))));
        }

        if (connections.Get(evseId) is not { } live)
        {
            return null;
        }

        var evse = hub.Clients.Client(live.ConnectionId);
        return new CommandLink(c => send(evse.Discharge(Message(c))), (id, reason) => send(evse.Stop(new StopMessage(id, reason))));
    }

    /// <summary>
    /// What is measured for a command, kW (negative = discharging): the EVSE's report, or for an EV-executed command
    /// the car's report over its maker's link. Null when nothing can be judged yet (an EVSE just reconnected).
    /// </summary>
    private (double Kw, VehicleReportMessage? CarSays)? Measure(DischargeCommand command)
    {
        if (command.Executor == ProgramExecutor.Ev)
        {
            var report = telematics.LatestReport(command.Id, command.TelematicsOperatorId);
            return (report?.PowerKw ?? 0, report);
        }

        return connections.Get(command.EvseId)?.Status is { } status ? (status.CommandId == command.Id ? status.PowerKw : 0, null) : null;
    }

    private async Task<bool> WatchAsync(PortalDbContext db, MediationFacts facts, DischargeCommand command, CommandLink link, List<DischargeCommand> live, DateTimeOffset now)
    {
        var changed = false;
        if (Measure(command) is not var (measured, carSays))
        {
            return false; // just (re)connected: judge nothing until the EVSE says what it is doing
        }

        if (command.MeasuredKw != measured)
        {
            command.MeasuredKw = measured;
            changed = true;
        }

        // An EV-executed command: the car judges whether it is followed (seed A.2.2), e.g. the EVSE cannot discharge.
        if (carSays is { Following: false })
        {
            var code = carSays.Reason ?? "ev.not_followed";
            command.End(CommandState.NotFollowed, now, code, $"The car reports the command is not followed ({code}).");
            await link.Stop(command.Id, code);
            telematics.Forget(command.Id);
            Audit(db, command, now, "not followed (the car says)", []);
            return true;
        }

        if (command.State == CommandState.Acked && -measured >= command.Kw * 0.5)
        {
            command.State = CommandState.Running;
            command.StartedAt = now;
            Audit(db, command, now, $"running at {Kw(-measured)}", []);
            changed = true;
        }

        // Monitor: the same rules that decided, with the facts of now.
        var programEvent = facts.Event(command.EventId);
        var vehicle = facts.Vehicle(command.VehicleId);
        if (programEvent is not null && vehicle is not null && facts.Input(programEvent, vehicle, command.EvseId, now, live) is { } input)
        {
            var verdict = AgreementToDischarge.Monitor(new RunningCommand(command.Id, command.Kw, command.Until), input);
            if (!verdict.Continue)
            {
                var ended = verdict.Reasons.All(r => r.Code == ReasonCode.ProgramEventEnded);
                await StopAsync(db, command, ended ? CommandState.Completed : CommandState.Stopped, verdict.Reasons, now, link);
                return true;
            }
        }

        // Followed? Measured power within tolerance of the command, or off target for at most the grace time.
        var tolerance = Math.Max(o.FollowToleranceKw, command.Kw * o.FollowTolerancePercent / 100);
        var startedFor = now - (command.AckedAt ?? now);
        if (Math.Abs(-measured - command.Kw) > tolerance && startedFor > TimeSpan.FromSeconds(2))
        {
            command.OffTargetSince ??= now;
            changed = true;
            if (now - command.OffTargetSince >= TimeSpan.FromSeconds(o.FollowGraceSeconds))
            {
                var code = command.Executor == ProgramExecutor.Ev ? "ev.not_followed" : "evse.not_followed";
                command.End(CommandState.NotFollowed, now, code, $"The {(command.Executor == ProgramExecutor.Ev ? "car" : "charger")} reported {Kw(-measured)} where {Kw(command.Kw)} was commanded.");
                await link.Stop(command.Id, code);
                telematics.Forget(command.Id);
                Audit(db, command, now, "not followed", []);
                return true;
            }
        }
        else if (command.OffTargetSince is not null)
        {
            command.OffTargetSince = null;
            changed = true;
        }

        // Renew the fail-safe deadline well before it passes: the same id again, never a restart.
        if (command.FailSafeDeadline < command.Until && command.FailSafeDeadline - now < TimeSpan.FromSeconds(o.FailSafeSeconds / 2.0))
        {
            command.FailSafeDeadline = Min(command.Until, now.AddSeconds(o.FailSafeSeconds));
            await link.Send(command);
            changed = true;
        }

        return changed;
    }

    /// <summary>
    /// An EVSE that reports executing a command the portal has already ended (it kept going through a lost link, or
    /// the portal restarted) is told to stop it.
    /// </summary>
    private async Task StopOrphansAsync(PortalDbContext db, List<DischargeCommand> live, CancellationToken ct)
    {
        var running = live.Where(l => !l.IsTerminal).Select(l => l.Id).ToHashSet();
        var orphans = connections.All
            .Where(c => c.Status?.CommandId is { } id && !running.Contains(id))
            .Select(c => (c.ConnectionId, CommandId: c.Status!.CommandId!.Value))
            .ToList();
        foreach (var (connectionId, commandId) in orphans)
        {
            var ended = await db.DischargeCommands.AsNoTracking().Where(c => c.Id == commandId).Select(c => new { c.State, c.ReasonCode }).SingleOrDefaultAsync(ct);
            if (ended is null || ended.State is CommandState.Completed or CommandState.Rejected or CommandState.NotFollowed or CommandState.Stopped or CommandState.Interrupted)
            {
                await hub.Clients.Client(connectionId).Stop(new StopMessage(commandId, ended?.ReasonCode ?? "portal.unknown_command"));
            }
        }

        // The same for cars behind a telematics link: a car still discharging for a command that has ended.
        foreach (var (operatorId, report) in telematics.Discharging.Where(r => !running.Contains(r.Report.CommandId)).ToList())
        {
            var ended = await db.DischargeCommands.AsNoTracking().Where(c => c.Id == report.CommandId && c.TelematicsOperatorId == operatorId).Select(c => new { c.State, c.ReasonCode }).SingleOrDefaultAsync(ct);
            if ((ended is null || ended.State is CommandState.Completed or CommandState.Rejected or CommandState.NotFollowed or CommandState.Stopped or CommandState.Interrupted)
                && telematics.ConnectionOf(operatorId) is { } connectionId)
            {
                await telematicsHub.Clients.Client(connectionId).Stop(new VehicleStopMessage(report.CommandId, report.VehicleIdentifier, ended?.ReasonCode ?? "portal.unknown_command"));
                telematics.Forget(report.CommandId);
            }
        }
    }

    /// <summary>A stop sent straight to the executor's link, outside any pass; the pass that ends the command does not repeat it.</summary>
    private async Task StopNowAsync(LiveCommand command, string reason)
    {
        toldToStop[command.CommandId] = 0;
        if (LinkFor(command.Executor, command.EvseId, command.TelematicsOperatorId, command.Vehicle, send => send) is { } link)
        {
            await link.Stop(command.CommandId, reason);
        }
    }

    private Task Outgoing(Task send)
    {
        lock (outgoing)
        {
            outgoing.Add(send);
        }

        return Task.CompletedTask;
    }

    /// <summary>Waits for everything the pass (or the driver's stop) sent.</summary>
    private async Task FlushOutgoingAsync()
    {
        Task[] sends;
        lock (outgoing)
        {
            sends = [.. outgoing];
            outgoing.Clear();
        }

        await Task.WhenAll(sends);
    }

    private static async Task SendAsync(CommandLink link, DischargeCommand command, DateTimeOffset now)
    {
        command.State = CommandState.Sent;
        command.SentAt = now;
        command.Attempts++;
        await link.Send(command);
    }

    private async Task StopAsync(PortalDbContext db, DischargeCommand command, CommandState state, IReadOnlyList<Reason> reasons, DateTimeOffset now, CommandLink? link)
    {
        var first = reasons.FirstOrDefault();
        command.End(state, now, first?.Id, string.Join(" ", reasons.Select(r => r.Text)));
        if (link is not null && !toldToStop.TryRemove(command.Id, out _))
        {
            await link.Stop(command.Id, first?.Id ?? "portal.stopped");
        }

        telematics.Forget(command.Id);

        Audit(db, command, now, state == CommandState.Completed ? "completed" : "stopped", reasons);
        LogStopped(command.EvseId, command.Id, state, first?.Id);
    }

    private static DischargeCommandMessage Message(DischargeCommand command) =>
        new(command.Id, command.Kw, command.Until, command.ProgramName, command.FailSafeDeadline);

    private static void Audit(PortalDbContext db, DischargeCommand command, DateTimeOffset now, string outcome, IReadOnlyList<Reason> reasons) =>
        db.AuditEntries.Add(new AuditEntry
        {
            At = now,
            EvseId = command.EvseId,
            VehicleId = command.VehicleId,
            ProgramId = command.ProgramId,
            EventId = command.EventId,
            CommandId = command.Id,
            Outcome = outcome,
            Reasons = [.. reasons],
        });

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>How to reach whoever executes a command: send (or renew) it, and stop it with a reason id.</summary>
    private sealed record CommandLink(Func<DischargeCommand, Task> Send, Func<Guid, string, Task> Stop);

    /// <summary>A vehicle's live command as the last pass left it: enough to reach whoever executes it.</summary>
    private sealed record LiveCommand(Guid CommandId, Guid EventId, Guid EvseId, ProgramExecutor Executor, Guid? TelematicsOperatorId, string? Vehicle);

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId}: command {CommandId} accepted at {Kw} kW")]
    private partial void LogDecided(Guid evseId, Guid commandId, double kw);

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId}: refused ({Reasons})")]
    private partial void LogRefused(Guid evseId, string reasons);

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId}: command {CommandId} {State} ({Reason})")]
    private partial void LogStopped(Guid evseId, Guid commandId, CommandState state, string? reason);

    [LoggerMessage(LogLevel.Debug, "Pass: {Commands} commands; load {LoadMs:0} ms, decide {DecideMs:0} ms, send and watch {AdvanceMs:0} ms; {TotalMs:0} ms with the save")]
    private partial void LogPass(int commands, double loadMs, double decideMs, double advanceMs, double totalMs);

    [LoggerMessage(LogLevel.Error, "A mediator pass failed; the next pass retries")]
    private partial void LogPassFailed(Exception ex);
}
