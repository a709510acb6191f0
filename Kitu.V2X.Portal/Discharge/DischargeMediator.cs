using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// The mediator as the rest of the portal sees it: ask for a pass (now, or soon), the driver's stop and resume, the
/// operator's cancel. Behind it: <see cref="DischargePacer"/> paces the passes, <see cref="DischargePass"/> runs one
/// (planner, watch, relay), links hand executors' answers to the <see cref="CommandInbox"/>. One pass at a time.
/// </summary>
public sealed class DischargeMediator : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly IServiceScopeFactory scopes;
    private readonly LiveCommands live;
    private readonly CommandRelay relay;
    private readonly MediatorNotifier notifier;
    private readonly TimeProvider time;
    private readonly Telemetry.PortalMeters meters;
    private readonly ScaleOut.MediatorLease lease;
    private volatile TaskCompletionSource nudge = NewSignal();
    private volatile TaskCompletionSource watchNudge = NewSignal();

    public DischargeMediator(IServiceScopeFactory scopes, LiveCommands live, CommandRelay relay, MediatorNotifier notifier, TimeProvider time, DischargePass pass, Telemetry.PortalMeters meters, ScaleOut.MediatorLease lease)
    {
        this.lease = lease;
        this.meters = meters;
        this.scopes = scopes;
        this.live = live;
        this.relay = relay;
        this.notifier = notifier;
        this.time = time;
        Pass = pass;
    }

    internal DischargePass Pass { get; }

    /// <summary>Signalled when a pass is asked for now: a fact changed.</summary>
    internal Task Urgent => nudge.Task;

    /// <summary>Signalled when a pass is asked for soon: a status, an ack, a lost link.</summary>
    internal Task Soon => watchNudge.Task;

    /// <summary>Asks for a pass now (an event dispatched, a charger connected, its owner's policy or its grid rules changed).</summary>
    public void Nudge() => nudge.TrySetResult();

    /// <summary>Asks for a pass soon (a status or an ack arrived, a link dropped); the pacer rests first when passes are long.</summary>
    public void NudgeSoon() => watchNudge.TrySetResult();

    /// <summary>Runs one pass now, as after a change of facts, and waits for it (use cases, tests).</summary>
    public Task PassNowAsync(CancellationToken cancellationToken) => RunPassAsync(urgent: true, cancellationToken);

    /// <summary>
    /// The driver pressed "stop discharging now": the stop goes to whoever executes the car's live command at once
    /// (even while a pass is running), then the command ends in the outbox, and the car stays out of that event until
    /// the driver resumes.
    /// </summary>
    public async Task<bool> StopByDriverAsync(Guid vehicleId, CancellationToken cancellationToken)
    {
        var reason = new Reason(ReasonCode.EvStoppedByDriver, "You stopped discharging.");
        if (live.ForVehicle(vehicleId) is { } running)
        {
            await relay.StopNowAsync(running, reason.Id);
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var now = time.GetUtcNow();
            var commands = await db.DischargeCommands.Where(c => c.VehicleId == vehicleId && (c.State == CommandState.Pending || c.State == CommandState.Sent || c.State == CommandState.Acked || c.State == CommandState.Running)).ToListAsync(cancellationToken);
            var identifier = await db.Vehicles.AsNoTracking().Where(v => v.Id == vehicleId).Select(v => v.Identifier).SingleOrDefaultAsync(cancellationToken);
            foreach (var command in commands)
            {
                var change = command.Stop(now, [reason]);
                db.AuditEntries.Add(AuditEntry.Of(command, now, change.Outcome!, change.Reasons));
                relay.Carry(command, change, identifier);
                var decision = await db.EventDecisions.SingleOrDefaultAsync(d => d.EventId == command.EventId && d.VehicleId == vehicleId, cancellationToken);
                if (decision is not null)
                {
                    decision.StoppedByDriverAt = now;
                }
            }

            await relay.FlushAsync();
            await db.SaveChangesAsync(cancellationToken);
            live.Replace(live.All.Where(c => c.VehicleId != vehicleId));
            var touched = new ChangeScope().Add(vehicle: vehicleId);
            foreach (var command in commands)
            {
                touched.Add(command.EvseId, command.VehicleId, command.ProgramId, command.EventId);
            }

            notifier.CommandsChanged(touched);
            return commands.Count > 0;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The driver resumes discharge for the events in force they stopped it for; false when there is none.</summary>
    public async Task<bool> ResumeByDriverAsync(Guid vehicleId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = time.GetUtcNow();
        var resumed = await (from d in db.EventDecisions
                             join e in db.ProgramEvents on d.EventId equals e.Id
                             where d.VehicleId == vehicleId && d.StoppedByDriverAt != null && e.CancelledAt == null && e.End > now
                             select d).ToListAsync(cancellationToken);
        foreach (var decision in resumed)
        {
            decision.StoppedByDriverAt = null;
            decision.RetryAt = null;
            db.AuditEntries.Add(new AuditEntry { At = now, VehicleId = vehicleId, EventId = decision.EventId, EvseId = decision.EvseId, Outcome = "resumed by the driver" });
        }

        await db.SaveChangesAsync(cancellationToken);
        if (resumed.Count > 0)
        {
            await PassNowAsync(cancellationToken);
        }

        return resumed.Count > 0;
    }

    /// <summary>
    /// The operator cancelled an event (already saved): every car discharging for it is told to stop at once, side by
    /// side, from the live view; then a pass ends the commands in the outbox and audits them.
    /// </summary>
    public async Task CancelledAsync(Guid eventId, CancellationToken cancellationToken)
    {
        var reason = ReasonCatalog.Of(ReasonCode.ProgramEventCancelled).Id;
        await Task.WhenAll(live.ForEvent(eventId).ToList().Select(c => relay.StopNowAsync(c, reason)));
        await PassNowAsync(cancellationToken);
    }

    public void Dispose() => gate.Dispose();

    /// <summary>Runs one pass under the gate (the pacer's loop, and <see cref="PassNowAsync"/>).</summary>
    internal async Task RunPassAsync(bool urgent, CancellationToken cancellationToken)
    {
        // Only the instance holding the mediator's lease runs passes; another instance's use cases leave the pass to it
        // (its next tick, at most a few seconds later, reads what they stored).
        await lease.FirstTry.WaitAsync(cancellationToken);
        if (!lease.IsHeld)
        {
            return;
        }

        await gate.WaitAsync(cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await Pass.RunAsync(urgent, cancellationToken);
            meters.Pass(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Re-arms the signals the pacer saw.</summary>
    internal void Rearm(bool urgentSeen, bool soonSeen)
    {
        if (urgentSeen)
        {
            nudge = NewSignal();
        }

        if (soonSeen)
        {
            watchNudge = NewSignal();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
