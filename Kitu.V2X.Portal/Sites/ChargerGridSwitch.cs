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
public sealed class ChargerGridSwitch(PortalDbContext db, GridBindingService grid, DeviceIdentities identities, ApprovedServerAdministration servers, Discharge.DischargeMediator mediator, Hubs.EvseLinkMessages links, SiteAudit audit)
{
    public const string NotYours = "Charger not found among your sites.";

    public Task<IReadOnlyList<ServerChoice>> ServersAsync(CancellationToken cancellationToken) => grid.ServersAsync(cancellationToken);

    /// <summary>The grid rules of a charger now (by id; the caller shows them only for chargers it listed for the owner).</summary>
    public GridRules Rules(Guid evseId) => grid.Rules(evseId);

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
        await links.PolicyChangedAsync(evseId, allow, policy);
        mediator.Nudge();
        return true;
    }

    /// <summary>The charger's 2030.5 identity, or null when it is not the owner's.</summary>
    public async Task<IdentityView?> IdentityAsync(string ownerId, Guid evseId, CancellationToken cancellationToken) =>
        await OwnedAsync(ownerId, [evseId], cancellationToken) is { Count: 1 } ? await identities.ViewAsync(evseId, cancellationToken) : null;

    /// <summary>Imports the manufacturer's certificate and key (PKCS#12); an error in plain words, or null.</summary>
    public Task<string?> ImportPkcs12Async(string ownerId, Guid evseId, byte[] file, string? password, CancellationToken cancellationToken) =>
        IdentityChangeAsync(ownerId, evseId, "2030.5 identity imported (PKCS#12)", () => identities.ImportPkcs12Async(evseId, file, password, cancellationToken), cancellationToken);

    /// <summary>Imports the manufacturer's certificate and key (PEM); an error in plain words, or null.</summary>
    public Task<string?> ImportPemAsync(string ownerId, Guid evseId, string certificatePem, string keyPem, string? password, CancellationToken cancellationToken) =>
        IdentityChangeAsync(ownerId, evseId, "2030.5 identity imported (PEM)", () => identities.ImportPemAsync(evseId, certificatePem, keyPem, password, cancellationToken), cancellationToken);

    /// <summary>Makes a key and a certificate signing request; the request (PEM), or null when the charger is not the owner's.</summary>
    public async Task<string?> CreateRequestAsync(string ownerId, Guid evseId, CancellationToken cancellationToken)
    {
        var owned = await OwnedAsync(ownerId, [evseId], cancellationToken);
        if (!owned.TryGetValue(evseId, out var evse))
        {
            return null;
        }

        var pem = await identities.CreateRequestAsync(evseId, cancellationToken);
        await audit.RecordNowAsync(evse.SiteId, ownerId, $"{evse.Name}: 2030.5 certificate request created", evseId, cancellationToken);
        return pem;
    }

    /// <summary>Takes the certificate a CA signed from the charger's request; an error in plain words, or null.</summary>
    public Task<string?> AcceptSignedAsync(string ownerId, Guid evseId, string signedPem, CancellationToken cancellationToken) =>
        IdentityChangeAsync(ownerId, evseId, "2030.5 identity enrolled (signed certificate taken)", () => identities.AcceptSignedAsync(evseId, signedPem, cancellationToken), cancellationToken);

    /// <summary>Deletes the charger's identity (refused while bound); an error in plain words, or null.</summary>
    public Task<string?> ForgetIdentityAsync(string ownerId, Guid evseId, CancellationToken cancellationToken) =>
        IdentityChangeAsync(ownerId, evseId, "2030.5 identity forgotten", () => identities.ForgetAsync(evseId, cancellationToken), cancellationToken);

    /// <summary>Tries the charger's identity against an approved server (TLS and the EndDevice list); the result in plain words.</summary>
    public async Task<string> ProbeAsync(string ownerId, Guid evseId, Guid serverId, CancellationToken cancellationToken) =>
        await OwnedAsync(ownerId, [evseId], cancellationToken) is { Count: 1 }
            ? await servers.ProbeAsEvseAsync(serverId, evseId, cancellationToken)
            : NotYours;

    private async Task<string?> IdentityChangeAsync(string ownerId, Guid evseId, string what, Func<Task<string?>> change, CancellationToken cancellationToken)
    {
        var owned = await OwnedAsync(ownerId, [evseId], cancellationToken);
        if (!owned.TryGetValue(evseId, out var evse))
        {
            return NotYours;
        }

        var error = await change();
        if (error is null)
        {
            await audit.RecordNowAsync(evse.SiteId, ownerId, $"{evse.Name}: {what}", evseId, cancellationToken);
        }

        return error;
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
