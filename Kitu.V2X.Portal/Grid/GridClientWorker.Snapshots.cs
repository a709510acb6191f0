using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Grid;

/// <summary>The rules each session holds, written down now and then so that a restarted portal goes on with them until its first read.</summary>
public sealed partial class GridClientWorker
{
    /// <summary>
    /// The rules in force of every integrated EVSE, for a restart to go on with: those that changed within a second
    /// (a portal killed just after its sessions first read their servers still restarts with them), and all of them
    /// every half minute (their validity moves on with every good read).
    /// </summary>
    private async Task SnapshotLoopAsync(CancellationToken stoppingToken)
    {
        var full = time.GetUtcNow() + SnapshotEvery;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                if (!RunsSessions)
                {
                    continue; // the holder of the grid lease keeps them
                }

                if (time.GetUtcNow() >= full)
                {
                    full = time.GetUtcNow() + SnapshotEvery;
                    changedSinceSnapshot.Clear();
                    await SnapshotAsync(stoppingToken);
                }
                else if (!changedSinceSnapshot.IsEmpty)
                {
                    var ids = changedSinceSnapshot.Keys.ToList();
                    foreach (var id in ids)
                    {
                        changedSinceSnapshot.TryRemove(id, out _);
                    }

                    await SnapshotAsync(stoppingToken, ids);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or DbUpdateException or InvalidOperationException or LinqToDB.LinqToDBException)
            {
                LogSnapshotFailed(ex);
            }
        }
    }

    /// <summary>Replaces the kept rules of every EVSE, or only of <paramref name="only"/>.</summary>
    private async Task SnapshotAsync(CancellationToken cancellationToken, IReadOnlyList<Guid>? only = null)
    {
        var now = time.GetUtcNow();
        var wanted = only?.ToHashSet();
        var rows = scheduler.All
            .Select(s => (s.Rules, Until: s.RestorableUntil))
            .Concat(Residents.Valid(now).Select(r => (Rules: r, Until: (DateTimeOffset?)r.ValidUntil)))
            .Where(x => x.Until > now && (wanted is null || wanted.Contains(x.Rules.EvseId)))
            .Select(x => new GridRulesSnapshot { EvseId = x.Rules.EvseId, RulesJson = System.Text.Json.JsonSerializer.Serialize(x.Rules, SnapshotJson), TakenAt = now, RestorableUntil = x.Until!.Value })
            .ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (only is null)
        {
            await db.GridRulesSnapshots.ExecuteDeleteAsync(cancellationToken);
        }
        else
        {
            await db.GridRulesSnapshots.Where(s => EF.Parameter(only).Contains(s.EvseId)).ExecuteDeleteAsync(cancellationToken);
        }

        await db.InsertAllAsync(rows, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Warning, "Could not keep the grid rules for a restart")]
    private partial void LogSnapshotFailed(Exception ex);
}
