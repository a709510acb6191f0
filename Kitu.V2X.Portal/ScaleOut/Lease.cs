using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// A piece of work that exactly one portal instance does at a time (the mediator's passes, …): held by an instance
/// until it expires, renewed by its holder well before, taken over by another once expired. <see cref="Token"/> grows
/// each time the holder changes (a fencing token: work stamped with an older one is stale).
/// </summary>
public sealed class Lease
{
    public required string Key { get; init; }

    public required string Holder { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public long Token { get; set; }
}

/// <summary>Taking, renewing and giving up leases, each one statement against the shared store (no lock held between).</summary>
public static class LeaseStore
{
    /// <summary>
    /// Takes the lease when it is free or expired, or renews it when <paramref name="holder"/> holds it: afterwards it is
    /// held until <paramref name="now"/> + <paramref name="ttl"/>. Returns the lease's token when held, else null
    /// (another instance holds it).
    /// </summary>
    public static async Task<long?> TryHoldAsync(DbContext db, string key, string holder, TimeSpan ttl, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var leases = db.Set<Lease>();
        var until = now + ttl;
        var updated = await leases.Where(l => l.Key == key && (l.Holder == holder || l.ExpiresAt <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Token, l => l.Holder == holder ? l.Token : l.Token + 1)
                .SetProperty(l => l.Holder, holder)
                .SetProperty(l => l.ExpiresAt, until), ct);
        if (updated == 0)
        {
            if (await leases.AnyAsync(l => l.Key == key, ct))
            {
                return null; // held by another, and not expired
            }

            // Never held: the first to insert it holds it; a concurrent insert loses on the key.
            leases.Add(new Lease { Key = key, Holder = holder, ExpiresAt = until, Token = 1 });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                return null;
            }
        }

        return await leases.AsNoTracking().Where(l => l.Key == key && l.Holder == holder).Select(l => (long?)l.Token).SingleOrDefaultAsync(ct);
    }

    /// <summary>Gives the lease up at once (a clean stop), so another instance need not wait for it to expire.</summary>
    public static Task ReleaseAsync(DbContext db, string key, string holder, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<Lease>().Where(l => l.Key == key && l.Holder == holder && l.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, now), ct);
    }

    /// <summary>Who holds each lease, and until when (for the metrics and the operators' view).</summary>
    public static Task<List<Lease>> AllAsync(DbContext db, CancellationToken ct) =>
        db.Set<Lease>().AsNoTracking().OrderBy(l => l.Key).ToListAsync(ct);
}
