using System.Diagnostics;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Programs;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// One mediator pass, start to end: load the live commands, apply the answers the links handed over, load the facts,
/// plan (decide, new commands), watch every live command, stop orphans, send what the pass queued, save once,
/// then publish the live view and the power each event achieves. Passes run one at a time (the mediator's gate).
/// </summary>
public sealed partial class DischargePass(
    IServiceScopeFactory scopes,
    EvseConnections connections,
    TelematicsLinks telematics,
    GridRulesFeed grid,
    LiveCommands view,
    CommandInbox inbox,
    DischargePlanner planner,
    CommandWatch watch,
    CommandRelay relay,
    CommandLinks links,
    EventPowerSeries power,
    MediatorNotifier notifier,
    TimeProvider time,
    ILogger<DischargePass> logger)
{
    public async Task RunAsync(bool urgent, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = time.GetUtcNow();
        var live = await db.DischargeCommands
            .Where(c => c.State == CommandState.Pending || c.State == CommandState.Sent || c.State == CommandState.Acked || c.State == CommandState.Running)
            .ToListAsync(ct);
        var facts = await MediationFacts.LoadAsync(db, live, connections, telematics, grid, now, ct);
        var pass = new PassContext(db, now, live, facts, urgent);
        ApplyAnswers(pass);
        var loaded = Stopwatch.GetElapsedTime(started);

        await planner.PlanAsync(pass, ct);
        var planned = Stopwatch.GetElapsedTime(started);

        foreach (var command in live.ToList())
        {
            watch.Watch(pass, command);
        }

        await StopOrphansAsync(pass, ct);
        await relay.FlushAsync();
        var worked = Stopwatch.GetElapsedTime(started);

        if (await pass.SaveAsync(ct) is { } saved)
        {
            LogSave(saved.Tracked.TotalMilliseconds, saved.Rows, saved.Inserts.TotalMilliseconds, saved.Commit.TotalMilliseconds);
        }

        view.Replace(live.Where(c => !c.IsTerminal).Select(c => LiveCommand.Of(c, facts.Vehicle(c.VehicleId)?.Identifier)));
        if (pass.Changed)
        {
            notifier.CommandsChanged(pass.Touched);
        }

        RecordPower(facts, live, now);
        LogPass(live.Count, connections.Count, loaded.TotalMilliseconds, (planned - loaded).TotalMilliseconds, (worked - planned).TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The acks and rejects taken since the last pass, in one go (a duplicate or a late one changes nothing).</summary>
    private void ApplyAnswers(PassContext pass)
    {
        if (inbox.IsEmpty)
        {
            return;
        }

        var byId = pass.Live.ToDictionary(c => c.Id);
        foreach (var answer in inbox.Drain())
        {
            if (byId.TryGetValue(answer.CommandId, out var command))
            {
                watch.Answer(pass, command, answer);
            }
        }
    }

    /// <summary>
    /// An executor that reports running a command the portal has ended (it kept going through a lost link, or the
    /// portal restarted) is told to stop it, with the reason it ended for.
    /// </summary>
    private async Task StopOrphansAsync(PassContext pass, CancellationToken ct)
    {
        var running = pass.Live.Where(c => !c.IsTerminal).Select(c => c.Id).ToHashSet();
        var orphans = links.All.SelectMany(t => t.Executing().Where(e => !running.Contains(e.CommandId)).Select(e => (Transport: t, Orphan: e))).ToList();
        if (orphans.Count == 0)
        {
            return;
        }

        var ids = orphans.Select(o => o.Orphan.CommandId).ToList();
        var ended = await pass.Db.DischargeCommands.AsNoTracking().Where(c => EF.Parameter(ids).Contains(c.Id))
            .Select(c => new { c.Id, c.State, c.ReasonCode, c.Executor, c.EvseId, c.TelematicsOperatorId }).ToDictionaryAsync(c => c.Id, ct);
        foreach (var (transport, orphan) in orphans)
        {
            var known = ended.GetValueOrDefault(orphan.CommandId);
            var carriedByThisLink = known is null || (transport.Executor == ProgramExecutor.Ev ? known.TelematicsOperatorId == orphan.LinkId : known.EvseId == orphan.LinkId);
            if (known is { State: CommandState.Pending or CommandState.Sent or CommandState.Acked or CommandState.Running } || !carriedByThisLink)
            {
                continue;
            }

            relay.StopOrphan(transport, orphan, known?.ReasonCode ?? ReasonCatalog.Of(ReasonCode.PortalUnknownCommand).Id);
        }
    }

    /// <summary>For the operator's chart: per event in force (or with live commands), the power achieved against the target.</summary>
    private void RecordPower(MediationFacts facts, List<DischargeCommand> live, DateTimeOffset now)
    {
        var byEvent = live.Where(c => !c.IsTerminal).GroupBy(c => c.EventId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var programEvent in facts.EventsInForce(now).Concat(byEvent.Keys.Select(facts.Event).OfType<ProgramEvent>()).DistinctBy(e => e.Id))
        {
            var commands = byEvent.GetValueOrDefault(programEvent.Id) ?? [];
            power.Record(programEvent.Id, EventResults.AchievedKw(commands), programEvent.TotalTargetKw ?? power.PerCarTarget(programEvent.Id, commands.Select(c => (c.VehicleId, c.Kw))));
        }
    }

    [LoggerMessage(LogLevel.Debug, "Pass: {Commands} commands, {Links} EVSE links; load {LoadMs:0} ms, plan {PlanMs:0} ms, send and watch {WatchMs:0} ms; {TotalMs:0} ms with the save")]
    private partial void LogPass(int commands, int links, double loadMs, double planMs, double watchMs, double totalMs);

    [LoggerMessage(LogLevel.Debug, "Save: changes {TrackedMs:0} ms, {Rows} new rows {InsertMs:0} ms, commit {CommitMs:0} ms")]
    private partial void LogSave(double trackedMs, int rows, double insertMs, double commitMs);
}
