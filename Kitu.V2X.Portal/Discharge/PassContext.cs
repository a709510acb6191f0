using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// One mediator pass: its store, its instant, the live commands it loaded (tracked), the facts, and what it changed.
/// The parts of the pass (planner, watch, orphan check) share it; nothing of it outlives the pass.
/// </summary>
public sealed class PassContext(PortalDbContext db, DateTimeOffset now, List<DischargeCommand> live, MediationFacts facts, bool urgent)
{
    public PortalDbContext Db { get; } = db;

    public DateTimeOffset Now { get; } = now;

    /// <summary>Every command not ended when the pass began, plus those it creates.</summary>
    public List<DischargeCommand> Live { get; } = live;

    public MediationFacts Facts { get; } = facts;

    /// <summary>A fact changed (an event, a link, the grid's rules, an owner's or a driver's choice): refusals are decided again at once.</summary>
    public bool Urgent { get; } = urgent;

    public bool Changed { get; set; }

    /// <summary>The chargers, cars, programs and events the pass changed something for: the pages watching them are told.</summary>
    public ChangeScope Touched { get; } = new();

    /// <summary>Commands the pass created: inserted in bulk with its save (they are not tracked).</summary>
    public List<DischargeCommand> NewCommands { get; } = [];

    /// <summary>Decisions the pass made for the first time: inserted in bulk with its save.</summary>
    public HashSet<EventDecision> NewDecisions { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Audit lines of the pass: inserted in bulk with its save.</summary>
    public List<AuditEntry> NewAudit { get; } = [];

    /// <summary>Writes one audit line with the pass's save.</summary>
    public void Audit(AuditEntry entry)
    {
        NewAudit.Add(entry);
        Touched.Add(entry.EvseId, entry.VehicleId, entry.ProgramId, entry.EventId);
        Changed = true;
    }

    /// <summary>
    /// Saves the pass in one transaction: what EF Core tracks (commands and decisions that changed), then every new
    /// command, decision and audit line in bulk.
    /// </summary>
    public async Task<SaveTimings?> SaveAsync(CancellationToken ct)
    {
        if (!Changed)
        {
            return null;
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await using var transaction = await Db.Database.BeginTransactionAsync(ct);
        await Db.SaveChangesAsync(ct);
        var tracked = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        await Db.InsertAllAsync(NewCommands, ct);
        await Db.InsertAllAsync(NewDecisions, ct);
        await Db.InsertAllAsync(NewAudit, ct);
        var inserted = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        await transaction.CommitAsync(ct);
        return new SaveTimings(tracked, inserted - tracked, System.Diagnostics.Stopwatch.GetElapsedTime(started) - inserted, NewCommands.Count + NewDecisions.Count + NewAudit.Count);
    }

    /// <summary>Audits a command's transition; true when it changed anything.</summary>
    public bool Record(DischargeCommand command, CommandChange change)
    {
        if (!change.Changed)
        {
            return false;
        }

        Changed = true;
        Touched.Add(command.EvseId, command.VehicleId, command.ProgramId, command.EventId);
        if (change.Outcome is { } outcome)
        {
            Audit(AuditEntry.Of(command, Now, outcome, change.Reasons));
        }

        return true;
    }
}

/// <summary>Where a pass's save went: the tracked changes, the bulk inserts (<paramref name="Rows"/> new rows), the commit.</summary>
public sealed record SaveTimings(TimeSpan Tracked, TimeSpan Inserts, TimeSpan Commit, int Rows);
