using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Sites;

/// <summary>One line of a site's audit: when, who, what.</summary>
public sealed record SiteAuditRow(DateTimeOffset At, string Who, string What);

/// <summary>Who changed which switch or policy of a site, and when — written by every owner action, read by the owner.</summary>
public sealed class SiteAudit(PortalDbContext db, TimeProvider time)
{
    public void Record(Guid siteId, string actorId, string what, Guid? evseId = null) =>
        db.AuditEntries.Add(new AuditEntry { At = time.GetUtcNow(), SiteId = siteId, ActorId = actorId, EvseId = evseId, Outcome = what.Length > 200 ? what[..200] : what });

    public async Task RecordNowAsync(Guid siteId, string actorId, string what, Guid? evseId, CancellationToken cancellationToken)
    {
        Record(siteId, actorId, what, evseId);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The site's audit, newest first; null when the site is not the owner's.</summary>
    public async Task<IReadOnlyList<SiteAuditRow>?> ListAsync(string ownerId, Guid siteId, CancellationToken cancellationToken)
    {
        if (!await db.Sites.AnyAsync(s => s.Id == siteId && s.OwnerId == ownerId, cancellationToken))
        {
            return null;
        }

        var rows = await (from a in db.AuditEntries.AsNoTracking()
                          where a.SiteId == siteId
                          join u in db.Users.AsNoTracking() on a.ActorId equals u.Id into actors
                          from u in actors.DefaultIfEmpty()
                          orderby a.Id descending
                          select new { a.At, Who = u == null ? "a removed account" : u.DisplayName ?? u.Email, a.Outcome }).Take(200).ToListAsync(cancellationToken);
        return rows.Select(r => new SiteAuditRow(r.At, r.Who ?? "", r.Outcome)).ToList();
    }
}
