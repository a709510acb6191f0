using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// One live link to an EVSE, whatever it speaks: the portal's own SignalR protocol (docs/evse-protocol.md) or OCPP
/// (docs/ocpp.md). The mediator, the grid relay and the pages talk to an EVSE through it and never see the transport.
/// </summary>
public interface IEvseLink
{
    /// <summary>Unique among all links, for as long as the process runs.</summary>
    string ConnectionId { get; }

    /// <summary>"signalr", "ocpp2.1" or "ocpp2.0.1": for logs, metrics and the owner's page.</summary>
    string Transport { get; }

    /// <summary>False for a link that cannot carry a discharge (an OCPP 2.0.1 station: no V2X in that version).</summary>
    bool CarriesDischarge { get; }

    /// <summary>
    /// True for a link this instance holds; false for another instance's link, seen here through the link bridge
    /// (<see cref="ScaleOut.RemoteEvseLink"/>): what is sent to it goes over Redis to the instance that holds it.
    /// </summary>
    bool IsLocal { get; }

    /// <summary>Drops the link (a newer one for the same EVSE replaced it).</summary>
    void Abort();

    Task DischargeAsync(DischargeCommandMessage command);

    Task StopAsync(StopMessage stop);

    Task GridRulesAsync(GridRulesMessage rules);

    Task OwnerPolicyAsync(OwnerPolicyMessage policy);

    /// <summary>For an EVSE that runs its own 2030.5 client: the server its owner chose (SignalR links only).</summary>
    Task GridServerAsync(GridServerMessage server);
}

/// <summary>An EVSE's link over the portal's own SignalR hub.</summary>
public sealed class SignalREvseLink(HubCallerContext context, IHubContext<EvseHub, IEvseClient> hub) : IEvseLink
{
    public string ConnectionId => context.ConnectionId;

    public string Transport => "signalr";

    public bool CarriesDischarge => true;

    public bool IsLocal => true;

    public void Abort() => context.Abort();

    public Task DischargeAsync(DischargeCommandMessage command) => Client.Discharge(command);

    public Task StopAsync(StopMessage stop) => Client.Stop(stop);

    public Task GridRulesAsync(GridRulesMessage rules) => Client.GridRules(rules);

    public Task OwnerPolicyAsync(OwnerPolicyMessage policy) => Client.OwnerPolicy(policy);

    public Task GridServerAsync(GridServerMessage server) => Client.GridServer(server);

    private IEvseClient Client => hub.Clients.Client(context.ConnectionId);
}

/// <summary>One EVSE's live connection: its link (to talk to it or drop it), its hello and last status.</summary>
public sealed class LiveEvse(Guid evseId, IEvseLink link, DateTimeOffset since)
{
    public Guid EvseId { get; } = evseId;

    public IEvseLink Link { get; } = link;

    public string ConnectionId => Link.ConnectionId;

    /// <summary>This instance holds the link (else another instance does: <see cref="IEvseLink.IsLocal"/>).</summary>
    public bool IsLocal => Link.IsLocal;

    public DateTimeOffset Since { get; } = since;

    public HelloMessage? Hello { get; set; }

    public StatusMessage? Status { get; set; }

    /// <summary>What an OCPP station says of itself for its owner's page (alarms, certificate, other EVSEs); null for others.</summary>
    public Ocpp.OcppStationFacts? Station { get; set; }

    public DateTimeOffset LastSeen { get; set; } = since;

    /// <summary>The vehicle a driver said is plugged in here ("I'm plugged in here"), when the EVSE cannot read it.</summary>
    public string? ClaimedVehicleIdentifier { get; set; }

    /// <summary>
    /// The identifier the EVSE reports, once it is taken as the car plugged in here (<see cref="VehicleClaims"/>): at a
    /// charger the car's driver trusts, or confirmed by the driver. Until then a reported identifier is only a claim.
    /// </summary>
    public string? AcceptedVehicleIdentifier { get; set; }

    /// <summary>What the EVSE reports is plugged in, trusted or not.</summary>
    public string? ReportedVehicleIdentifier => Status is { Plugged: true, VehicleIdentifier: { Length: > 0 } id } ? id : null;

    /// <summary>The vehicle plugged in: as the EVSE reads it once accepted, else as its driver claimed it.</summary>
    public string? VehicleIdentifier => Status is { Plugged: true } s
        ? (s.VehicleIdentifier is { Length: > 0 } reported
            ? (string.Equals(AcceptedVehicleIdentifier, reported, StringComparison.OrdinalIgnoreCase) ? reported : null)
            : ClaimedVehicleIdentifier)
        : null;
}

/// <summary>
/// The registry of live EVSE connections: at most one per EVSE (a new one replaces and drops the old), looked up by
/// EVSE id or by the vehicle plugged in — a vehicle identifier an EVSE reports counts once <see cref="VehicleClaims"/>
/// has accepted it. Raises events that the mediator and the pages listen to.
/// </summary>
public sealed class EvseConnections
{
    private readonly ConcurrentDictionary<Guid, LiveEvse> live = new();
    private readonly ConcurrentDictionary<string, Guid> byVehicle = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, byte>> reportedAt = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Guid, Kept> kept = new();
    private readonly TimeProvider time;

    /// <summary>The car an EVSE's link had taken (accepted, or claimed by its driver) when that link went, and when.</summary>
    private sealed record Kept(string? Accepted, string? Claimed, DateTimeOffset At);

    public EvseConnections(TimeProvider time) => this.time = time;

    /// <summary>
    /// How long the car an EVSE's link had taken stays taken for the EVSE's next link: a reconnect (a blip, a portal
    /// restart, a newer connection replacing the old) is not a new plug-in, and the car it reports again is not a new
    /// claim to judge from scratch — else a running discharge would stop for "not plugged in" while it is judged.
    /// </summary>
    public static readonly TimeSpan KeptAcrossReconnect = TimeSpan.FromMinutes(10);

    /// <summary>An EVSE reports a vehicle identifier it did not report before (plugged in, or another car), or stopped reporting one: a claim to judge.</summary>
    public event Action<Guid, string>? VehicleReported;

    /// <summary>An EVSE connected (after its previous connection, if any, was dropped).</summary>
    public event Action<Guid>? Connected;

    /// <summary>An EVSE's link was lost.</summary>
    public event Action<Guid>? Disconnected;

    /// <summary>A driver said their car is plugged in at this EVSE (<see cref="Claim"/>); the link bridge passes it to the instance holding a remote link.</summary>
    public event Action<Guid, string>? Claimed;

    /// <summary>An EVSE reported a status.</summary>
    public event Action<Guid, StatusMessage>? StatusChanged;

    /// <summary>What a decision depends on changed at an EVSE: a car plugged in or out, its identity, the EVSE's grid state.</summary>
    public event Action<Guid>? FactsChanged;

    public int Count => live.Count;

    public LiveEvse? Get(Guid evseId) => live.GetValueOrDefault(evseId);

    public IEnumerable<LiveEvse> All => live.Values;

    /// <summary>The EVSE where a vehicle with this identifier is plugged in, if any is live.</summary>
    public LiveEvse? WhereIs(string vehicleIdentifier) =>
        byVehicle.TryGetValue(vehicleIdentifier, out var evseId) && live.TryGetValue(evseId, out var evse)
            && string.Equals(evse.VehicleIdentifier, vehicleIdentifier, StringComparison.OrdinalIgnoreCase)
            ? evse
            : null;

    /// <summary>The live EVSEs that report this identifier now (plugged), accepted or not.</summary>
    public IReadOnlyList<Guid> ReportingNow(string vehicleIdentifier) =>
        reportedAt.TryGetValue(vehicleIdentifier, out var at) ? [.. at.Keys.Where(id => live.TryGetValue(id, out var e) && string.Equals(e.ReportedVehicleIdentifier, vehicleIdentifier, StringComparison.OrdinalIgnoreCase))] : [];

    /// <summary>Takes the identifier the EVSE reports as the car plugged in there; false when it no longer reports it.</summary>
    public bool Accept(Guid evseId, string vehicleIdentifier)
    {
        if (!live.TryGetValue(evseId, out var evse) || !string.Equals(evse.ReportedVehicleIdentifier, vehicleIdentifier, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (string.Equals(evse.AcceptedVehicleIdentifier, vehicleIdentifier, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        evse.AcceptedVehicleIdentifier = vehicleIdentifier;
        byVehicle[vehicleIdentifier] = evseId;
        FactsChanged?.Invoke(evseId);
        return true;
    }

    /// <summary>No longer takes what the EVSE reports as the car plugged in there (two chargers claim the car).</summary>
    public void Unaccept(Guid evseId)
    {
        if (live.TryGetValue(evseId, out var evse) && evse.AcceptedVehicleIdentifier is { } accepted)
        {
            evse.AcceptedVehicleIdentifier = null;
            byVehicle.TryRemove(new KeyValuePair<string, Guid>(accepted, evseId));
            FactsChanged?.Invoke(evseId);
        }
    }

    /// <summary>
    /// Records a driver's "I'm plugged in here" for an EVSE that reports a plugged vehicle it cannot identify; false when
    /// the EVSE is offline, nothing is plugged, it already reads another vehicle, or another driver's car is claimed there
    /// for this plug-in. The claim ends when the car unplugs.
    /// </summary>
    public bool Claim(Guid evseId, string vehicleIdentifier)
    {
        if (!live.TryGetValue(evseId, out var evse) || evse.Status is not { Plugged: true } status
            || (status.VehicleIdentifier is { } read && !string.Equals(read, vehicleIdentifier, StringComparison.OrdinalIgnoreCase))
            || (evse.ClaimedVehicleIdentifier is { } other && !string.Equals(other, vehicleIdentifier, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (evse.ClaimedVehicleIdentifier is { } previous)
        {
            byVehicle.TryRemove(new KeyValuePair<string, Guid>(previous, evseId));
        }

        evse.ClaimedVehicleIdentifier = vehicleIdentifier;
        byVehicle[vehicleIdentifier] = evseId;
        Claimed?.Invoke(evseId, vehicleIdentifier);
        StatusChanged?.Invoke(evseId, status);
        FactsChanged?.Invoke(evseId);
        return true;
    }

    /// <summary>
    /// Takes what another instance says of a link it holds (the link bridge): its hello, its last status, and the car
    /// it has taken as plugged in there (accepted or claimed) — that instance judges claims for its links.
    /// </summary>
    public void Mirror(LiveEvse mirror, HelloMessage? hello, StatusMessage? status, string? accepted, string? claimed, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        if (mirror.IsLocal || !IsCurrent(mirror))
        {
            return;
        }

        mirror.Hello = hello;
        if (status is not null && status != mirror.Status)
        {
            Report(mirror, status, at);
        }

        mirror.LastSeen = at;
        var changed = false;
        if (!string.Equals(mirror.ClaimedVehicleIdentifier, claimed, StringComparison.OrdinalIgnoreCase))
        {
            if (mirror.ClaimedVehicleIdentifier is { } before)
            {
                byVehicle.TryRemove(new KeyValuePair<string, Guid>(before, mirror.EvseId));
            }

            mirror.ClaimedVehicleIdentifier = claimed;
            changed = true;
        }

        if (!string.Equals(mirror.AcceptedVehicleIdentifier, accepted, StringComparison.OrdinalIgnoreCase))
        {
            if (mirror.AcceptedVehicleIdentifier is { } before)
            {
                byVehicle.TryRemove(new KeyValuePair<string, Guid>(before, mirror.EvseId));
            }

            mirror.AcceptedVehicleIdentifier = accepted;
            changed = true;
        }

        foreach (var taken in new[] { claimed, accepted })
        {
            if (taken is not null)
            {
                byVehicle[taken] = mirror.EvseId;
            }
        }

        if (changed)
        {
            FactsChanged?.Invoke(mirror.EvseId);
        }
    }

    public void Add(LiveEvse connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (live.TryGetValue(connection.EvseId, out var previous) && previous.ConnectionId != connection.ConnectionId)
        {
            Keep(previous);
            previous.Link.Abort();
        }

        live[connection.EvseId] = connection;
        Connected?.Invoke(connection.EvseId);
    }

    public void Remove(Guid evseId, string connectionId)
    {
        if (live.TryGetValue(evseId, out var current) && current.ConnectionId == connectionId
            && live.TryRemove(new KeyValuePair<Guid, LiveEvse>(evseId, current)))
        {
            Keep(current);
            Forget(current, evseId);
            Disconnected?.Invoke(evseId);
        }
    }

    /// <summary>The link is the EVSE's current one (not one a newer link replaced, not one removed).</summary>
    public bool IsCurrent(LiveEvse connection) =>
        connection is not null && live.TryGetValue(connection.EvseId, out var current) && ReferenceEquals(current, connection);

    public void Report(LiveEvse connection, StatusMessage status, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(status);
        if (!IsCurrent(connection))
        {
            return; // a late report of a replaced or closed link says nothing of the EVSE now
        }

        var before = connection.Status;
        var reportedBefore = connection.ReportedVehicleIdentifier;
        var reported = status is { Plugged: true, VehicleIdentifier: { Length: > 0 } id } ? id : null;
        var changed = !string.Equals(reportedBefore, reported, StringComparison.OrdinalIgnoreCase);
        if (changed)
        {
            Forget(connection, connection.EvseId); // never forgotten and found again for a status that says the same car: WhereIs holds throughout
        }

        connection.Status = status;
        connection.LastSeen = at;
        if (!status.Plugged && connection.ClaimedVehicleIdentifier is { } claimed)
        {
            byVehicle.TryRemove(new KeyValuePair<string, Guid>(claimed, connection.EvseId));
            connection.ClaimedVehicleIdentifier = null; // unplugged: the claim ends with the session
        }

        if (changed && reported is not null)
        {
            reportedAt.GetOrAdd(reported, _ => new ConcurrentDictionary<Guid, byte>())[connection.EvseId] = 0;
        }

        // The first report of a new link for an EVSE whose last link had taken this car: it stays taken.
        if (kept.TryRemove(connection.EvseId, out var lastLink) && at - lastLink.At <= KeptAcrossReconnect && status.Plugged)
        {
            if (reported is not null && string.Equals(lastLink.Accepted, reported, StringComparison.OrdinalIgnoreCase))
            {
                connection.AcceptedVehicleIdentifier = reported;
                byVehicle[reported] = connection.EvseId;
            }
            else if (reported is null && lastLink.Claimed is { } claim && connection.ClaimedVehicleIdentifier is null)
            {
                connection.ClaimedVehicleIdentifier = claim;
                byVehicle[claim] = connection.EvseId;
            }
        }

        StatusChanged?.Invoke(connection.EvseId, status);
        if (changed && reported is not null)
        {
            VehicleReported?.Invoke(connection.EvseId, reported); // a claim to judge (the car that left was passed on by Forget)
        }

        if (before is null || before.Plugged != status.Plugged || before.VehicleIdentifier != status.VehicleIdentifier
            || before.GridState != status.GridState || before.J3072Capable != status.J3072Capable || before.State != status.State)
        {
            FactsChanged?.Invoke(connection.EvseId);
        }
    }

    private void Keep(LiveEvse evse)
    {
        if (evse.AcceptedVehicleIdentifier is not null || evse.ClaimedVehicleIdentifier is not null)
        {
            kept[evse.EvseId] = new Kept(evse.AcceptedVehicleIdentifier, evse.ClaimedVehicleIdentifier, time.GetUtcNow());
        }
    }

    /// <summary>What the EVSE reported stops counting: its accepted car, and its report of it.</summary>
    private void Forget(LiveEvse evse, Guid evseId)
    {
        if (evse.AcceptedVehicleIdentifier is { } accepted)
        {
            byVehicle.TryRemove(new KeyValuePair<string, Guid>(accepted, evseId));
            evse.AcceptedVehicleIdentifier = null;
        }

        if (evse.ReportedVehicleIdentifier is { } reported && reportedAt.TryGetValue(reported, out var at))
        {
            at.TryRemove(evseId, out _);
            if (at.IsEmpty)
            {
                reportedAt.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Guid, byte>>(reported, at));
            }

            VehicleReported?.Invoke(evseId, reported);
        }
    }
}
