using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Sites;

/// <summary>One charger on the owner's list, with its grid status.</summary>
public sealed record ChargerRow(Guid EvseId, string Name, Guid SiteId, string SiteName, SiteKind SiteKind, string TimeZoneId, CurrentType Current, double RatedDischargeKw, bool OwnerAllowsDischarge, GridRules Rules);

/// <summary>The outcome for one charger of a (bulk) bind.</summary>
public sealed record ChargerBindResult(Guid EvseId, string Name, BindOutcome Outcome);

/// <summary>
/// The site owner's only touch with the grid layer (seed §3.2.3): bind chargers they own to an approved 2030.5
/// server, or unbind them; and allow or forbid discharge on them. Every call checks ownership first and hands the
/// grid layer nothing but the EVSE id and its rating.
/// </summary>
public sealed class ChargerGridSwitch(PortalDbContext db, GridBindingService grid, Workers.DischargeMediator mediator, SiteAudit audit)
{
    public const string NotYours = "Charger not found among your sites.";

    public Task<IReadOnlyList<ServerChoice>> ServersAsync(CancellationToken cancellationToken) => grid.ServersAsync(cancellationToken);

    public async Task<IReadOnlyList<ChargerRow>> ListAsync(string ownerId, CancellationToken cancellationToken)
    {
        var rows = await (from e in db.Evses.AsNoTracking()
                          join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                          where s.OwnerId == ownerId
                          orderby s.Name, e.Name
                          select new { e, s }).ToListAsync(cancellationToken);
        return rows.Select(r => new ChargerRow(r.e.Id, r.e.Name, r.s.Id, r.s.Name, r.s.Kind, r.s.TimeZoneId, r.e.Current, r.e.RatedDischargeKw, r.e.OwnerAllowsDischarge, grid.Rules(r.e.Id))).ToList();
    }

    /// <summary>Binds each charger; chargers the owner does not own are refused, the others go ahead.</summary>
    public async Task<IReadOnlyList<ChargerBindResult>> BindAsync(string ownerId, IReadOnlyCollection<Guid> evseIds, Guid serverId, string? registrationPin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evseIds);
        var owned = await OwnedAsync(ownerId, evseIds, cancellationToken);
        var results = new List<ChargerBindResult>();
        foreach (var id in evseIds.Distinct())
        {
            if (!owned.TryGetValue(id, out var evse))
            {
                results.Add(new ChargerBindResult(id, "?", new BindOutcome(NotYours, null)));
                continue;
            }

            var outcome = await grid.BindAsync(new BindRequest(id, serverId, registrationPin, evse.RatedChargeKw, evse.RatedDischargeKw), cancellationToken);
            results.Add(new ChargerBindResult(id, evse.Name, outcome));
            if (outcome.Succeeded)
            {
                await audit.RecordNowAsync(evse.SiteId, ownerId, $"{evse.Name}: bound to the grid layer ({outcome.Rules?.ServerName})", id, cancellationToken);
            }
        }

        return results;
    }

    /// <summary>Unbinds the chargers the owner owns; returns how many.</summary>
    public async Task<int> UnbindAsync(string ownerId, IReadOnlyCollection<Guid> evseIds, CancellationToken cancellationToken)
    {
        var owned = await OwnedAsync(ownerId, evseIds, cancellationToken);
        foreach (var (id, evse) in owned)
        {
            await grid.UnbindAsync(id, cancellationToken);
            await audit.RecordNowAsync(evse.SiteId, ownerId, $"{evse.Name}: unbound from the grid layer", id, cancellationToken);
        }

        return owned.Count;
    }

    /// <summary>Allows or forbids discharge on a charger the owner owns; false when it is not theirs.</summary>
    public async Task<bool> SetAllowDischargeAsync(string ownerId, Guid evseId, bool allow, CancellationToken cancellationToken)
    {
        var owned = await OwnedAsync(ownerId, [evseId], cancellationToken);
        if (!owned.ContainsKey(evseId))
        {
            return false;
        }

        await db.Evses.Where(e => e.Id == evseId).ExecuteUpdateAsync(set => set.SetProperty(e => e.OwnerAllowsDischarge, allow), cancellationToken);
        await audit.RecordNowAsync(owned[evseId].SiteId, ownerId, $"{owned[evseId].Name}: discharge {(allow ? "allowed" : "forbidden")}", evseId, cancellationToken);
        var policy = await (from e in db.Evses join s in db.Sites on e.SiteId equals s.Id where e.Id == evseId select s.Policy).SingleAsync(cancellationToken);
        await mediator.OnOwnerPolicyChangedAsync(evseId, allow, policy);
        return true;
    }

    private async Task<Dictionary<Guid, Evse>> OwnedAsync(string ownerId, IReadOnlyCollection<Guid> evseIds, CancellationToken cancellationToken)
    {
        var ids = evseIds.ToList();
        return await (from e in db.Evses.AsNoTracking()
                      join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                      where s.OwnerId == ownerId && ids.Contains(e.Id)
                      select e).ToDictionaryAsync(e => e.Id, cancellationToken);
    }
}
