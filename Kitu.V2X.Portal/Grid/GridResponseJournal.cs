using System.Collections.Concurrent;
using System.Threading.Channels;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The durable memory of which DERControlResponses each EVSE's client posted, so that each is posted once per event
/// and status, also across a restart: read whole at start (rows older than <see cref="Keep"/> are dropped), held in
/// memory, and written to the grid store in batches in the background.
/// </summary>
public sealed partial class GridResponseJournal(IServiceScopeFactory scopes, TimeProvider time, ILogger<GridResponseJournal> logger)
{
    /// <summary>Responses older than this are forgotten (servers list ended events for a short while only).</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromDays(30);

    private readonly ConcurrentDictionary<Guid, EvseJournal> byEvse = new();
    private readonly Channel<PostedResponse> pending = Channel.CreateUnbounded<PostedResponse>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Reads every remembered response (and forgets the old ones).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var horizon = time.GetUtcNow() - Keep;
        await db.PostedResponses.Where(r => r.PostedAt < horizon).ExecuteDeleteAsync(cancellationToken);
        var rows = await db.PostedResponses.AsNoTracking().Select(r => new { r.EvseId, r.Subject, r.Status }).ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            byEvse.GetOrAdd(row.EvseId, id => new EvseJournal(this, id)).Remember(row.Subject, row.Status);
        }
    }

    /// <summary>The journal of one EVSE.</summary>
    public IDerResponseJournal For(Guid evseId) => byEvse.GetOrAdd(evseId, id => new EvseJournal(this, id));

    /// <summary>Writes what was posted, in batches, until cancelled; then writes what is left.</summary>
    public async Task RunWriterAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await pending.Reader.WaitToReadAsync(stoppingToken))
            {
                await WriteBatchAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is queued is written below.
        }

        await WriteBatchAsync(CancellationToken.None);
    }

    private async Task WriteBatchAsync(CancellationToken cancellationToken)
    {
        var batch = new List<PostedResponse>();
        while (batch.Count < 1000 && pending.Reader.TryRead(out var row))
        {
            batch.Add(row);
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
            db.PostedResponses.AddRange(batch);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex)
        {
            // A row already there (the same response recorded twice): nothing is lost, the memory holds it.
            LogWriteFailed(ex, batch.Count);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not record {Count} posted 2030.5 responses")]
    private partial void LogWriteFailed(Exception ex, int count);

    private sealed class EvseJournal(GridResponseJournal owner, Guid evseId) : IDerResponseJournal
    {
        private readonly HashSet<(string, byte)> posted = [];
        private readonly Lock gate = new();

        public bool WasPosted(string subject, byte status)
        {
            lock (gate)
            {
                return posted.Contains((subject.ToUpperInvariant(), status));
            }
        }

        public void Posted(string subject, byte status, DateTimeOffset at)
        {
            if (Remember(subject, status))
            {
                owner.pending.Writer.TryWrite(new PostedResponse { EvseId = evseId, Subject = subject.ToUpperInvariant(), Status = status, PostedAt = at });
            }
        }

        public bool Remember(string subject, byte status)
        {
            lock (gate)
            {
                return posted.Add((subject.ToUpperInvariant(), status));
            }
        }
    }
}
