using System.Collections.Concurrent;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Grid;

/// <summary>The sessions among several instances: who runs them, and what crosses the <see cref="GridRelay"/>.</summary>
public sealed partial class GridClientWorker
{
    /// <summary>How often an unchanged EVSE status is passed to the instance running the sessions (a change goes at once).</summary>
    private static readonly TimeSpan StatusRelayEvery = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<Guid, DerDeviceStatus> statusRelayed = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<GridRules>> pollsAsked = new();
    private readonly Lock publishing = new();

    /// <summary>This instance runs the 2030.5 sessions (it holds the grid lease; one instance alone always does).</summary>
    public bool RunsSessions => lease.IsHeld;

    private void ListenToOtherInstances()
    {
        lease.Changed += held => _ = held ? TakeOverAsync() : GiveUpAsync();
        relay.RulesArrived += (rules, polled) =>
        {
            if (RunsSessions)
            {
                return; // an instance that has just lost the lease: its sessions are this one's now
            }

            feed.Publish(rules);
            if (polled && pollsAsked.TryGetValue(rules.EvseId, out var waiting))
            {
                waiting.TrySetResult(rules);
            }
        };
        relay.RulesAsked += () =>
        {
            if (RunsSessions)
            {
                // Under the publishing lock: a rule a session changes meanwhile goes out after this answer's copy of
                // it, never before (the other instance would keep the older).
                lock (publishing)
                {
                    foreach (var rules in feed.All)
                    {
                        relay.Rules(rules);
                    }
                }
            }
        };
        relay.BindingChanged += RefreshAsync;
        relay.ServerChanged += serverId => RestartServerHereAsync(serverId, CancellationToken.None);
        relay.CapabilitiesChanged += async evseId =>
        {
            if (RunsSessions && scheduler.Session(evseId) is { } session)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
                if (await db.GridBindings.AsNoTracking().SingleOrDefaultAsync(b => b.EvseId == evseId) is { } binding
                    && await db.ApprovedServers.AsNoTracking().SingleOrDefaultAsync(s => s.Id == binding.ServerId) is { } server)
                {
                    session.Update(Device(binding, server));
                }
            }
        };
        relay.PollAsked += evseId =>
        {
            if (RunsSessions)
            {
                _ = PollForAnotherAsync(evseId);
            }
        };
        relay.StatusArrived += (evseId, status) =>
        {
            if (RunsSessions)
            {
                scheduler.Session(evseId)?.Report(status);
            }
        };
        relay.ResidentReported += (evseId, report) =>
        {
            if (RunsSessions)
            {
                Residents.Report(evseId, report);
            }
        };
    }

    /// <summary>Keeps rules that changed (and tells the other instances): only the instance running the sessions calls it.</summary>
    private void Publish(GridRules rules)
    {
        lock (publishing)
        {
            if (feed.Publish(rules))
            {
                changedSinceSnapshot[rules.EvseId] = 0;
                relay.Rules(rules); // in the order they changed here
            }
        }
    }

    /// <summary>
    /// Every binding, from the store: the sessions if this instance runs them (each with the rules it kept for a restart,
    /// so that no EVSE reconnecting is told "not bound" for want of a session not yet made), else those rules alone, until
    /// the instance that runs them says more; and, with <paramref name="residents"/>, the EVSEs that run their own client.
    /// </summary>
    private async Task LoadAsync(bool residents, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var servers = await db.ApprovedServers.AsNoTracking().ToDictionaryAsync(s => s.Id, cancellationToken);
        var bindings = await db.GridBindings.AsNoTracking().Where(b => residents || b.ClientLocation == GridClientLocation.Portal).ToListAsync(cancellationToken);
        var credentials = await db.DeviceCredentials.AsNoTracking().ToDictionaryAsync(c => c.EvseId, cancellationToken);
        var now = time.GetUtcNow();
        var snapshots = await db.GridRulesSnapshots.AsNoTracking().Where(s => s.RestorableUntil > now).ToDictionaryAsync(s => s.EvseId, cancellationToken);
        var runs = RunsSessions;
        foreach (var binding in bindings)
        {
            var snapshot = snapshots.GetValueOrDefault(binding.EvseId);
            Apply(binding, servers[binding.ServerId], credentials.GetValueOrDefault(binding.EvseId), snapshot);
            if (!runs && binding.ClientLocation == GridClientLocation.Portal && snapshot is not null
                && System.Text.Json.JsonSerializer.Deserialize<GridRules>(snapshot.RulesJson, SnapshotJson) is { Integration: GridIntegration.Integrated } kept)
            {
                feed.Publish(kept with { ValidUntil = kept.ValidUntil < snapshot.RestorableUntil ? kept.ValidUntil : snapshot.RestorableUntil });
            }
        }

        if (runs)
        {
            LogLoaded(bindings.Count, snapshots.Count);
        }
        else
        {
            LogLoadedElsewhere(bindings.Count, snapshots.Count);
        }
    }

    /// <summary>This instance took the grid lease (at start, or from an instance that went): it starts every session.</summary>
    private async Task TakeOverAsync()
    {
        if (!loaded)
        {
            return; // at start: StartAsync loads them
        }

        try
        {
            await LoadAsync(residents: false, CancellationToken.None);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or DbUpdateException)
        {
            LogTakeOverFailed(ex); // the lease's next renewal finds it still held: the sessions start with the next binding change or restart
        }
    }

    /// <summary>Another instance holds the grid lease now: the sessions here stop (their rules stay until it tells newer ones).</summary>
    private Task GiveUpAsync()
    {
        foreach (var session in scheduler.All.ToList())
        {
            scheduler.Remove(session.Binding.EvseId);
        }

        return Task.CompletedTask;
    }

    /// <summary>Another instance changed a binding (or unbound it): read it again.</summary>
    private async Task RefreshAsync(Guid evseId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var binding = await db.GridBindings.AsNoTracking().SingleOrDefaultAsync(b => b.EvseId == evseId);
        if (binding is null)
        {
            StopHere(evseId);
            return;
        }

        var server = await db.ApprovedServers.AsNoTracking().SingleAsync(s => s.Id == binding.ServerId);
        var credential = await db.DeviceCredentials.AsNoTracking().SingleOrDefaultAsync(c => c.EvseId == evseId);
        Apply(binding, server, credential);
    }

    /// <summary>An EVSE's status for the instance running its session: a change at once, the same status now and then.</summary>
    private void RelayStatus(Guid evseId, DerDeviceStatus status)
    {
        if (!relay.Enabled)
        {
            return;
        }

        var last = statusRelayed.GetValueOrDefault(evseId);
        if (last is not null && last.Connected == status.Connected && last.Available == status.Available && last.Operating == status.Operating
            && last.Mode == status.Mode && last.Fault == status.Fault && status.ReadingTime - last.ReadingTime < StatusRelayEvery)
        {
            return;
        }

        statusRelayed[evseId] = status;
        relay.Status(evseId, status);
    }

    /// <summary>Asks the instance running the sessions for a poll now, and waits for its answer (the rules as they are, when it does not answer in time).</summary>
    private async Task<GridRules> PollElsewhereAsync(Guid evseId, CancellationToken cancellationToken)
    {
        var waiting = pollsAsked.GetOrAdd(evseId, _ => new TaskCompletionSource<GridRules>(TaskCreationOptions.RunContinuationsAsynchronously));
        relay.Poll(evseId);
        try
        {
            return await waiting.Task.WaitAsync(TimeSpan.FromSeconds(options.RequestTimeoutSeconds * 3), time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return feed.Get(evseId);
        }
        finally
        {
            pollsAsked.TryRemove(new KeyValuePair<Guid, TaskCompletionSource<GridRules>>(evseId, waiting));
        }
    }

    private async Task PollForAnotherAsync(Guid evseId)
    {
        try
        {
            relay.Rules(await PollNowAsync(evseId, CancellationToken.None), polled: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException)
        {
            LogPollCrashed(ex, evseId);
        }
    }

    [LoggerMessage(LogLevel.Error, "Could not start the 2030.5 sessions after taking the grid lease")]
    private partial void LogTakeOverFailed(Exception ex);
}
