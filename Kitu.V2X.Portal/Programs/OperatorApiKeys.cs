using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Programs;

/// <summary>An operator user's API keys: create (the key is returned once), list by prefix, revoke.</summary>
public sealed class OperatorApiKeys(PortalDbContext db, TimeProvider time)
{
    public async Task<IReadOnlyList<OperatorApiKey>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        var op = await OperatorAsync(userId, cancellationToken);
        return await db.OperatorApiKeys.AsNoTracking().Where(k => k.OperatorId == op && k.RevokedAt == null).OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);
    }

    /// <summary>A new key for the user's operator; null when the account acts for no operator.</summary>
    public async Task<string?> CreateAsync(string userId, string name, CancellationToken cancellationToken)
    {
        if (await OperatorAsync(userId, cancellationToken) is not { } op)
        {
            return null;
        }

        var (key, stored) = OperatorApiKey.Issue(op, string.IsNullOrWhiteSpace(name) ? "API key" : name.Trim()[..Math.Min(100, name.Trim().Length)], time.GetUtcNow());
        db.OperatorApiKeys.Add(stored);
        await db.SaveChangesAsync(cancellationToken);
        return key;
    }

    public async Task<bool> RevokeAsync(string userId, Guid keyId, CancellationToken cancellationToken)
    {
        var op = await OperatorAsync(userId, cancellationToken);
        return await db.OperatorApiKeys.Where(k => k.Id == keyId && k.OperatorId == op && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, time.GetUtcNow()), cancellationToken) == 1;
    }

    private Task<Guid?> OperatorAsync(string userId, CancellationToken cancellationToken) =>
        db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.OperatorId).SingleOrDefaultAsync(cancellationToken);
}
