using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>Issues an EVSE the secret for its live connection (replacing any earlier one). The secret is returned once.</summary>
public sealed class EvseProvisioning(PortalDbContext db, TimeProvider time)
{
    public async Task<string> IssueAsync(Guid evseId, CancellationToken cancellationToken)
    {
        // An OCPP station takes at most 40 characters as its Basic authentication password.
        var speaksOcpp = await db.Evses.AnyAsync(e => e.Id == evseId && e.OcppStationId != null, cancellationToken);
        var (secret, credential) = EvseCredential.Issue(evseId, time.GetUtcNow(), speaksOcpp ? EvseCredential.OcppSecretLength : 43);
        var existing = await db.EvseCredentials.SingleOrDefaultAsync(c => c.EvseId == evseId, cancellationToken);
        if (existing is null)
        {
            db.EvseCredentials.Add(credential);
        }
        else
        {
            existing.SecretHash = credential.SecretHash; // the old secret stops working with this save
            existing.IssuedAt = credential.IssuedAt;
        }

        await db.SaveChangesAsync(cancellationToken);
        return secret;
    }
}
