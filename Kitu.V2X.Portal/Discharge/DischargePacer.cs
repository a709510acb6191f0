using System.Diagnostics;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// Paces the mediator's passes: one when a fact changes (an event, a link up, grid rules, a choice) or a status, an
/// answer or a lost link arrives — at once after a short pass, after a rest as long as the last pass took (at most
/// <see cref="MaxRest"/>) after a long one, so that with thousands of running commands at least half the time is left
/// to requests and links (the acks of a fan-out, a fleet reconnecting, a driver's stop); and unprompted ones at least
/// every tick, no more often than every four pass durations (at most 5 s apart). Only while this instance holds the
/// <see cref="ScaleOut.MediatorLease"/>: once it takes the lease (at start, or from an instance that died) it loads the
/// live commands into the live view and marks them for recovery (resumed or ended once their executors report).
/// </summary>
public sealed partial class DischargePacer(
    DischargeMediator mediator,
    IServiceScopeFactory scopes,
    LiveCommands view,
    CommandWatch watch,
    CommandInbox inbox,
    CommandLinks links,
    EvseConnections connections,
    GridRulesFeed grid,
    ScaleOut.MediatorLease lease,
    IOptions<MediatorOptions> options,
    TimeProvider time,
    ILogger<DischargePacer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxRest = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxTick = TimeSpan.FromSeconds(5);
    private readonly MediatorOptions o = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lease.WhenHeld(stoppingToken); // another instance may run the mediator: this one waits to take over
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await RecoverAsync(stoppingToken);
        foreach (var transport in links.All)
        {
            transport.LinkLost += OnLinkLost;
            transport.LinkUp += OnLinkUp;
        }

        inbox.Arrived += mediator.NudgeSoon;
        connections.StatusChanged += OnStatus;
        connections.FactsChanged += OnFactsChanged;
        grid.Changed += OnGridChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!lease.IsHeld)
                {
                    // Lost the lease (the store was unreachable for long): another instance may run the mediator now. Forget
                    // the live view; when this one holds the lease again, it recovers the live commands from the outbox.
                    view.Replace([]);
                    await lease.WhenHeld(stoppingToken);
                    await RecoverAsync(stoppingToken);
                }

                var urgent = mediator.Urgent;
                var soon = mediator.Soon;
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await mediator.RunPassAsync(urgent.IsCompleted, stoppingToken);
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
                var next = Task.Delay(tick, time, stoppingToken);
                if (await Task.WhenAny(urgent, soon, next) != next && rest - Stopwatch.GetElapsedTime(ended) is { Ticks: > 0 } left)
                {
                    await Task.Delay(left, stoppingToken); // real time: the rest is about CPU, not the rules
                }

                mediator.Rearm(urgent.IsCompleted, soon.IsCompleted);
            }
        }
        finally
        {
            foreach (var transport in links.All)
            {
                transport.LinkLost -= OnLinkLost;
                transport.LinkUp -= OnLinkUp;
            }

            inbox.Arrived -= mediator.NudgeSoon;
            connections.StatusChanged -= OnStatus;
            connections.FactsChanged -= OnFactsChanged;
            grid.Changed -= OnGridChanged;
        }
    }

    /// <summary>The commands live when the portal stopped: in the live view (so links may answer for them) and marked for recovery.</summary>
    private async Task RecoverAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var live = await (from c in db.DischargeCommands.AsNoTracking()
                          join v in db.Vehicles.AsNoTracking() on c.VehicleId equals v.Id
                          where c.State == CommandState.Pending || c.State == CommandState.Sent || c.State == CommandState.Acked || c.State == CommandState.Running
                          select new { c, v.Identifier }).ToListAsync(ct);
        view.Replace(live.Select(x => LiveCommand.Of(x.c, x.Identifier)));
        watch.Recover(live.Where(x => x.c.State is CommandState.Acked or CommandState.Running).Select(x => x.c.Id));
        if (live.Count > 0)
        {
            LogRecovering(live.Count);
        }
    }

    private void OnLinkLost(Guid linkId)
    {
        watch.LinkLost(linkId, time.GetUtcNow());
        mediator.NudgeSoon();
    }

    private void OnLinkUp(Guid linkId)
    {
        watch.LinkUp(linkId);
        mediator.Nudge();
    }

    private void OnStatus(Guid evseId, StatusMessage status)
    {
        if (status.CommandId is not null || view.AnyAt(evseId))
        {
            mediator.NudgeSoon();
        }
    }

    private void OnFactsChanged(Guid evseId) => mediator.Nudge();

    private void OnGridChanged(Domain.GridSecurity.GridRules rules) => mediator.Nudge();

    [LoggerMessage(LogLevel.Information, "{Count} commands were live at start: resumed or ended as their executors report")]
    private partial void LogRecovering(int count);

    [LoggerMessage(LogLevel.Error, "A mediator pass failed; the next pass retries")]
    private partial void LogPassFailed(Exception ex);
}
