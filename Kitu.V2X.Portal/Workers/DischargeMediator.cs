using System.Collections.Concurrent;
using System.Globalization;
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
/// not follow, or when the link is lost. Every decision and transition goes to the audit trail. Passes run one at
/// a time; after a restart the next pass resumes from the outbox.
/// </summary>
public sealed partial class DischargeMediator(
    IServiceScopeFactory scopes,
    EvseConnections connections,
    GridRulesFeed grid,
    IHubContext<EvseHub, IEvseClient> hub,
    MediatorNotifier notifier,
    IOptions<MediatorOptions> options,
    TimeProvider time,
    ILogger<DischargeMediator> logger) : BackgroundService
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly MediatorOptions o = options.Value;
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> linkLostAt = new();
    private readonly ConcurrentDictionary<Guid, Guid> liveCommandByEvse = new();
    private volatile TaskCompletionSource nudge = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Asks for a pass now (an event dispatched, consent changed, a status arrived for a running command).</summary>
    public void Nudge() => nudge.TrySetResult();

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
            Nudge();
        }

        notifier.EvseStatus(evseId, status);
        return Task.CompletedTask;
    }

    /// <summary>The EVSE acked a command; false when it names no command of this EVSE.</summary>
    public Task<bool> OnAckAsync(Guid evseId, Guid commandId, CancellationToken cancellationToken) =>
        TransitionAsync(evseId, commandId, (command, now) =>
        {
            if (command.State is CommandState.Pending or CommandState.Sent)
            {
                command.State = CommandState.Acked;
                command.AckedAt = now;
                return "acked";
            }

            return null; // a duplicate ack of a resent command: nothing changes
        }, cancellationToken);

    /// <summary>The EVSE rejected a command with its reason; false when it names no command of this EVSE.</summary>
    public Task<bool> OnRejectAsync(Guid evseId, Guid commandId, string reason, CancellationToken cancellationToken) =>
        TransitionAsync(evseId, commandId, (command, now) =>
        {
            if (command.IsTerminal)
            {
                return null;
            }

            command.End(CommandState.Rejected, now, reason, $"The charger refused the command ({reason}).");
            return "rejected by the EVSE";
        }, cancellationToken);

    /// <summary>The driver pressed "stop discharging now": the vehicle's live command stops at once.</summary>
    public async Task<bool> StopByDriverAsync(Guid vehicleId, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var now = time.GetUtcNow();
            var live = await db.DischargeCommands.Where(c => c.VehicleId == vehicleId && (c.State == CommandState.Pending || c.State == CommandState.Sent || c.State == CommandState.Acked || c.State == CommandState.Running)).ToListAsync(cancellationToken);
            var reason = new Reason(ReasonCode.EvStoppedByDriver, "You stopped discharging.");
            foreach (var command in live)
            {
                await StopAsync(db, command, CommandState.Stopped, [reason], now);
            }

            await db.SaveChangesAsync(cancellationToken);
            notifier.CommandsChanged();
            return live.Count > 0;
        }
        finally
        {
            gate.Release();
        }
    }

    public override void Dispose()
    {
        gate.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        connections.Disconnected += OnDisconnected;
        grid.Changed += OnGridChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var signal = nudge.Task;
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

                await Task.WhenAny(signal, Task.Delay(TimeSpan.FromMilliseconds(o.TickMilliseconds), time, stoppingToken));
                if (signal.IsCompleted)
                {
                    nudge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        finally
        {
            connections.Disconnected -= OnDisconnected;
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

    private void OnDisconnected(Guid evseId)
    {
        linkLostAt[evseId] = time.GetUtcNow();
        Nudge();
    }

    private void OnGridChanged(GridRules rules)
    {
        if (connections.Get(rules.EvseId) is { } live)
        {
            _ = hub.Clients.Client(live.ConnectionId).GridRules(GridMessage(rules));
        }

        Nudge();
    }

    private async Task<bool> TransitionAsync(Guid evseId, Guid commandId, Func<DischargeCommand, DateTimeOffset, string?> change, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var command = await db.DischargeCommands.SingleOrDefaultAsync(c => c.Id == commandId && c.EvseId == evseId, cancellationToken);
            if (command is null)
            {
                return false;
            }

            var now = time.GetUtcNow();
            if (change(command, now) is { } outcome)
            {
                Audit(db, command, now, outcome, []);
                await db.SaveChangesAsync(cancellationToken);
                notifier.CommandsChanged();
                Nudge();
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
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = time.GetUtcNow();
        var live = await db.DischargeCommands
            .Where(c => c.State == CommandState.Pending || c.State == CommandState.Sent || c.State == CommandState.Acked || c.State == CommandState.Running)
            .ToListAsync(ct);
        var facts = await MediationFacts.LoadAsync(db, live, connections, grid, now, ct);
        var changed = await DecideAsync(db, facts, live, now, ct);

        foreach (var command in live.ToList())
        {
            changed |= await AdvanceAsync(db, facts, command, live, now);
        }

        liveCommandByEvse.Clear();
        foreach (var command in live.Where(c => !c.IsTerminal))
        {
            liveCommandByEvse[command.EvseId] = command.Id;
        }

        await StopOrphansAsync(db, live, ct);

        if (changed)
        {
            await db.SaveChangesAsync(ct);
            notifier.CommandsChanged();
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
        var decisions = await db.EventDecisions.Where(d => eventIds.Contains(d.EventId)).ToDictionaryAsync(d => (d.EventId, d.VehicleId), ct);
        var changed = false;

        foreach (var programEvent in inForce.OrderByDescending(e => facts.Program(e.ProgramId)!.IsEmergency).ThenBy(e => e.CreatedAt))
        {
            foreach (var (_, vehicle) in facts.EnrolledIn(programEvent.ProgramId))
            {
                var key = (programEvent.Id, vehicle.Id);
                if (commanded.Contains(key) || live.Any(c => c.VehicleId == vehicle.Id && !c.IsTerminal))
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
                        Kw = decision.Kw,
                        Until = decision.Until,
                        FailSafeDeadline = Min(decision.Until, now.AddSeconds(o.FailSafeSeconds)),
                        CreatedAt = now,
                    };
                    db.DischargeCommands.Add(command);
                    live.Add(command);
                    commanded.Add(key);
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
        var connection = connections.Get(command.EvseId);
        if (connection is null)
        {
            var lost = linkLostAt.GetOrAdd(command.EvseId, now);
            if (now - lost < TimeSpan.FromSeconds(o.LinkGraceSeconds))
            {
                return false;
            }

            command.End(CommandState.Interrupted, now, "evse.link_lost", $"The link to the charger was lost; it stops by itself by {command.FailSafeDeadline:HH:mm:ss} UTC.");
            Audit(db, command, now, "interrupted: link lost", []);
            return true;
        }

        var client = hub.Clients.Client(connection.ConnectionId);
        switch (command.State)
        {
            case CommandState.Pending:
                await SendAsync(client, command, now);
                Audit(db, command, now, "sent", []);
                return true;

            case CommandState.Sent when now - command.SentAt >= TimeSpan.FromSeconds(o.AckTimeoutSeconds):
                if (command.Attempts >= o.MaxAttempts)
                {
                    command.End(CommandState.Interrupted, now, "evse.no_ack", $"The charger did not acknowledge the command after {command.Attempts} tries.");
                    Audit(db, command, now, "interrupted: no ack", []);
                    return true;
                }

                await SendAsync(client, command, now);
                Audit(db, command, now, $"resent (try {command.Attempts})", []);
                return true;

            case CommandState.Acked or CommandState.Running:
                return await WatchAsync(db, facts, command, connection, client, live, now);

            default:
                return false;
        }
    }

    private async Task<bool> WatchAsync(PortalDbContext db, MediationFacts facts, DischargeCommand command, LiveEvse connection, IEvseClient client, List<DischargeCommand> live, DateTimeOffset now)
    {
        var changed = false;
        var status = connection.Status;
        if (status is null)
        {
            return false; // just (re)connected: judge nothing until the EVSE says what it is doing
        }

        var measured = status.CommandId == command.Id ? status.PowerKw : 0;
        if (command.MeasuredKw != measured)
        {
            command.MeasuredKw = measured;
            changed = true;
        }

        if (command.State == CommandState.Acked && status.CommandId == command.Id && -measured >= command.Kw * 0.5)
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
                await StopAsync(db, command, ended ? CommandState.Completed : CommandState.Stopped, verdict.Reasons, now, client);
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
                command.End(CommandState.NotFollowed, now, "evse.not_followed", $"The charger reported {Kw(-measured)} where {Kw(command.Kw)} was commanded.");
                await client.Stop(new StopMessage(command.Id, "evse.not_followed"));
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
            await client.Discharge(Message(command));
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
    }

    private async Task SendAsync(IEvseClient client, DischargeCommand command, DateTimeOffset now)
    {
        command.State = CommandState.Sent;
        command.SentAt = now;
        command.Attempts++;
        await client.Discharge(Message(command));
    }

    private async Task StopAsync(PortalDbContext db, DischargeCommand command, CommandState state, IReadOnlyList<Reason> reasons, DateTimeOffset now, IEvseClient? client = null)
    {
        var first = reasons.FirstOrDefault();
        command.End(state, now, first?.Id, string.Join(" ", reasons.Select(r => r.Text)));
        client ??= connections.Get(command.EvseId) is { } live ? hub.Clients.Client(live.ConnectionId) : null;
        if (client is not null)
        {
            await client.Stop(new StopMessage(command.Id, first?.Id ?? "portal.stopped"));
        }

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

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId}: command {CommandId} accepted at {Kw} kW")]
    private partial void LogDecided(Guid evseId, Guid commandId, double kw);

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId}: refused ({Reasons})")]
    private partial void LogRefused(Guid evseId, string reasons);

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId}: command {CommandId} {State} ({Reason})")]
    private partial void LogStopped(Guid evseId, Guid commandId, CommandState state, string? reason);

    [LoggerMessage(LogLevel.Error, "A mediator pass failed; the next pass retries")]
    private partial void LogPassFailed(Exception ex);
}
