using System.Collections.Concurrent;
using System.Threading.Channels;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>A charger that says one of the driver's cars is plugged in there, waiting for the driver to confirm it.</summary>
public sealed record PendingClaim(Guid EvseId, Guid VehicleId, DateTimeOffset Since);

/// <summary>
/// A vehicle identifier a charger reports is a claim, not a fact (any owner's self-provisioned charger can report
/// any identifier). A claim links the car only at a charger its driver trusts: one at a site of the car's owner, the
/// fleet's own site for a fleet car, or one the driver marked as trusted or confirmed on the phone. A claim elsewhere
/// waits for the driver's confirmation. Two chargers reporting the same car at once link neither: the driver is told
/// and both are audited. Judged off the status path, in batches, so a fleet plugging in together costs a few queries.
/// </summary>
public sealed partial class VehicleClaims(EvseConnections connections, IServiceScopeFactory scopes, MediatorNotifier notifier, TimeProvider time, ILogger<VehicleClaims> logger) : BackgroundService
{
    private readonly Channel<(Guid EvseId, string Identifier)> reports = Channel.CreateUnbounded<(Guid, string)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Guid, PendingClaim> pending = new(); // by vehicle
    private readonly ConcurrentDictionary<Guid, IReadOnlyList<Guid>> conflicts = new(); // by vehicle: the chargers that claim it
    private readonly ConcurrentDictionary<(Guid EvseId, Guid VehicleId), byte> confirmed = new(); // for the current plug-in

    /// <summary>The charger waiting for the driver to confirm that this car is plugged in there, if any.</summary>
    public PendingClaim? PendingFor(Guid vehicleId) => pending.GetValueOrDefault(vehicleId);

    /// <summary>The chargers that claim this car at the same time (none of them is used), if any.</summary>
    public IReadOnlyList<Guid> ConflictFor(Guid vehicleId) => conflicts.GetValueOrDefault(vehicleId) ?? [];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        connections.VehicleReported += OnReported;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        connections.VehicleReported -= OnReported;
        await base.StopAsync(cancellationToken);
    }

    /// <summary>
    /// The driver confirms (or denies) that the car is plugged in at the charger that claims it. Confirmed: it links for
    /// this plug-in and, with <paramref name="remember"/>, the charger becomes one the driver trusts. Denied: it stays
    /// unlinked and the claim is audited. False when there is no such claim.
    /// </summary>
    public async Task<bool> AnswerAsync(Guid vehicleId, Guid evseId, bool itIsMe, bool remember, string driverId, CancellationToken cancellationToken)
    {
        if (!pending.TryGetValue(vehicleId, out var claim) || claim.EvseId != evseId)
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = time.GetUtcNow();
        if (itIsMe)
        {
            confirmed[(evseId, vehicleId)] = 0;
            if (remember && await db.DischargePreferences.SingleOrDefaultAsync(p => p.VehicleId == vehicleId, cancellationToken) is { } prefs && !prefs.TrustedEvseIds.Contains(evseId))
            {
                prefs.TrustedEvseIds = [.. prefs.TrustedEvseIds, evseId];
            }
        }

        pending.TryRemove(vehicleId, out _);
        db.AuditEntries.Add(new AuditEntry { At = now, EvseId = evseId, VehicleId = vehicleId, ActorId = driverId, Outcome = itIsMe ? "plug-in confirmed by the driver" : "plug-in denied by the driver" });
        await db.SaveChangesAsync(cancellationToken);
        if (itIsMe)
        {
            await reports.Writer.WriteAsync((evseId, connections.Get(evseId)?.ReportedVehicleIdentifier ?? ""), cancellationToken);
        }
        else
        {
            denied[(evseId, vehicleId)] = 0;
        }

        notifier.CommandsChanged(new ChangeScope().Add(evseId, vehicleId));
        Answered?.Invoke(evseId, vehicleId, itIsMe);
        return true;
    }

    /// <summary>A driver answered a claim on this instance: the link bridge tells the others (the charger's link may be held by one of them).</summary>
    public event Action<Guid, Guid, bool>? Answered;

    /// <summary>A driver answered a claim on another instance (the answer and the audit are stored there): judged again here.</summary>
    public void AnsweredElsewhere(Guid evseId, Guid vehicleId, bool itIsMe)
    {
        (itIsMe ? confirmed : denied)[(evseId, vehicleId)] = 0;
        if (pending.TryGetValue(vehicleId, out var claim) && claim.EvseId == evseId)
        {
            pending.TryRemove(new KeyValuePair<Guid, PendingClaim>(vehicleId, claim));
        }

        reports.Writer.TryWrite((evseId, connections.Get(evseId)?.ReportedVehicleIdentifier ?? ""));
    }

    /// <summary>
    /// Whether this instance acts on what a charger claims — links the car, audits the claim: the instance holding the
    /// charger's link does. Every instance judges every claim (so any instance's pages show a claim waiting for the driver).
    /// </summary>
    private bool ActsFor(Guid evseId) => connections.Get(evseId)?.IsLocal ?? true;

    private readonly ConcurrentDictionary<(Guid EvseId, Guid VehicleId), byte> denied = new(); // for the current plug-in

    private void OnReported(Guid evseId, string identifier) => reports.Writer.TryWrite((evseId, identifier));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(Guid EvseId, string Identifier)>();
        try
        {
            while (await reports.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < 5_000 && reports.Reader.TryRead(out var report))
                {
                    batch.Add(report);
                }

                try
                {
                    await JudgeAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
                {
                    LogJudgeFailed(ex, batch.Count);
                }

                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    /// <summary>Judges every claim about the identifiers in the batch, at every charger that reports them now.</summary>
    private async Task JudgeAsync(List<(Guid EvseId, string Identifier)> batch, CancellationToken cancellationToken)
    {
        var identifiers = batch.Select(b => b.Identifier).Where(i => i.Length > 0)
            .Concat(batch.Select(b => connections.Get(b.EvseId)?.ReportedVehicleIdentifier).OfType<string>())
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (identifiers.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var keys = identifiers.Concat(identifiers.Select(i => i.ToUpperInvariant())).Distinct().ToList(); // stored upper case
        var vehicles = await db.Vehicles.AsNoTracking().Where(v => EF.Parameter(keys).Contains(v.Identifier))
            .Select(v => new { v.Id, v.Identifier, v.OwnerId, v.FleetSiteId }).ToListAsync(cancellationToken);
        var vehicleIds = vehicles.Select(v => v.Id).ToList();
        var trusted = (await db.DischargePreferences.AsNoTracking().Where(p => EF.Parameter(vehicleIds).Contains(p.VehicleId)).Select(p => new { p.VehicleId, p.TrustedEvseIds }).ToListAsync(cancellationToken))
            .ToDictionary(p => p.VehicleId, p => p.TrustedEvseIds.ToHashSet());
        var claims = vehicles.Select(v => (Vehicle: v, At: connections.ReportingNow(v.Identifier))).ToList();
        var evseIds = claims.SelectMany(c => c.At).Distinct().ToList();
        var chargers = await (from e in db.Evses.AsNoTracking()
                              join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id
                              where EF.Parameter(evseIds).Contains(e.Id)
                              select new { e.Id, e.SiteId, s.OwnerId }).ToDictionaryAsync(x => x.Id, cancellationToken);
        var now = time.GetUtcNow();
        var changed = false;
        foreach (var (vehicle, at) in claims)
        {
            ForgetEnded(vehicle.Id, at);
            if (at.Count > 1)
            {
                // Two chargers (or more) say this car is plugged in at once: one of them is wrong or lying; use neither.
                foreach (var evseId in at.Where(ActsFor))
                {
                    connections.Unaccept(evseId);
                }

                if (!conflicts.TryGetValue(vehicle.Id, out var known) || !known.Order().SequenceEqual(at.Order()))
                {
                    conflicts[vehicle.Id] = at;
                    pending.TryRemove(vehicle.Id, out _);
                    db.AuditEntries.AddRange(at.Where(ActsFor).Select(evseId => new AuditEntry { At = now, EvseId = evseId, VehicleId = vehicle.Id, Outcome = $"plug-in claim refused: {at.Count} chargers report this car at once" }));
                    LogConflict(vehicle.Id, at.Count);
                    changed = true;
                }

                continue;
            }

            changed |= conflicts.TryRemove(vehicle.Id, out _);
            if (at.Count == 0)
            {
                changed |= pending.TryRemove(vehicle.Id, out _);
                continue;
            }

            var evse = at[0];
            var charger = chargers.GetValueOrDefault(evse);
            var trustedHere = charger is not null
                && (charger.OwnerId == vehicle.OwnerId
                    || charger.SiteId == vehicle.FleetSiteId
                    || (trusted.GetValueOrDefault(vehicle.Id)?.Contains(evse) ?? false)
                    || confirmed.ContainsKey((evse, vehicle.Id)));
            if (trustedHere)
            {
                changed |= pending.TryRemove(vehicle.Id, out _);
                if (ActsFor(evse))
                {
                    connections.Accept(evse, vehicle.Identifier);
                }
            }
            else if (!denied.ContainsKey((evse, vehicle.Id)) && (!pending.TryGetValue(vehicle.Id, out var waiting) || waiting.EvseId != evse))
            {
                pending[vehicle.Id] = new PendingClaim(evse, vehicle.Id, now);
                if (ActsFor(evse))
                {
                    db.AuditEntries.Add(new AuditEntry { At = now, EvseId = evse, VehicleId = vehicle.Id, Outcome = "plug-in claimed by a charger the driver does not trust: waiting for the driver" });
                }

                changed = true;
            }
        }

        if (changed)
        {
            await db.SaveChangesAsync(cancellationToken);
            var touched = new ChangeScope();
            foreach (var (vehicle, at) in claims)
            {
                touched.Add(vehicle: vehicle.Id);
                foreach (var evseId in at)
                {
                    touched.Add(evse: evseId);
                }
            }

            notifier.CommandsChanged(touched);
        }
    }

    /// <summary>Confirmations and denials last for one plug-in: gone once the charger no longer reports the car.</summary>
    private void ForgetEnded(Guid vehicleId, IReadOnlyList<Guid> reportingNow)
    {
        foreach (var key in confirmed.Keys.Concat(denied.Keys).Where(k => k.VehicleId == vehicleId && !reportingNow.Contains(k.EvseId)).ToList())
        {
            confirmed.TryRemove(key, out _);
            denied.TryRemove(key, out _);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Vehicle {VehicleId}: {Count} chargers report it at once; none is used")]
    private partial void LogConflict(Guid vehicleId, int count);

    [LoggerMessage(LogLevel.Warning, "Could not judge {Count} plug-in claims")]
    private partial void LogJudgeFailed(Exception ex, int count);
}
