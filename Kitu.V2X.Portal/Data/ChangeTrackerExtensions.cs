using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Data;

/// <summary>Keeps a long-lived context (a page's) consistent with rows deleted behind its back by ExecuteDelete.</summary>
public static class ChangeTrackerExtensions
{
    /// <summary>Stops tracking the entities of type <typeparamref name="T"/> that match, so the same key can be added again.</summary>
    public static void Forget<T>(this DbContext db, Func<T, bool> match)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        foreach (var entry in db.ChangeTracker.Entries<T>().Where(e => match(e.Entity)).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }
}
