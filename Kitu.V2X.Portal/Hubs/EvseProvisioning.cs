using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>Issues an EVSE the secret for its live connection (replacing any earlier one). The secret is returned once.</summary>
public sealed class EvseProvisioning(PortalDbContext db, TimeProvider time)
{
    public async Task<string> IssueAsync(Guid evseId, CancellationToken cancellationToken)
    {
        var (secret, credential) = EvseCredential.Issue(evseId, time.GetUtcNow());
        await db.EvseCredentials.Where(c => c.EvseId == evseId).ExecuteDeleteAsync(cancellationToken);
        db.EvseCredentials.Add(credential);
        await db.SaveChangesAsync(cancellationToken);
        return secret;
    }
}
