using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>One EVSE's live connection: its hub context (to drop it), its hello and last status.</summary>
public sealed class LiveEvse(Guid evseId, HubCallerContext context, DateTimeOffset since)
{
    public Guid EvseId { get; } = evseId;

    public HubCallerContext Context { get; } = context;

    public string ConnectionId => Context.ConnectionId;

    public DateTimeOffset Since { get; } = since;

    public HelloMessage? Hello { get; set; }

    public StatusMessage? Status { get; set; }

    public DateTimeOffset LastSeen { get; set; } = since;

    /// <summary>The vehicle a driver said is plugged in here ("I'm plugged in here"), when the EVSE cannot read it.</summary>
    public string? ClaimedVehicleIdentifier { get; set; }

    /// <summary>The vehicle plugged in: as the EVSE reads it, else as a driver claimed it.</summary>
    public string? VehicleIdentifier => Status is { Plugged: true } s ? s.VehicleIdentifier ?? ClaimedVehicleIdentifier : null;
}

/// <summary>
/// The registry of live EVSE connections: at most one per EVSE (a new one replaces and drops the old), looked up by
/// EVSE id or by the vehicle identifier an EVSE reports. Raises events that the mediator and the pages listen to.
/// </summary>
public sealed class EvseConnections
{
    private readonly ConcurrentDictionary<Guid, LiveEvse> live = new();
    private readonly ConcurrentDictionary<string, Guid> byVehicle = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>An EVSE connected (after its previous connection, if any, was dropped).</summary>
    public event Action<Guid>? Connected;

    /// <summary>An EVSE's link was lost.</summary>
    public event Action<Guid>? Disconnected;

    /// <summary>An EVSE reported a status.</summary>
    public event Action<Guid, StatusMessage>? StatusChanged;

    public int Count => live.Count;

    public LiveEvse? Get(Guid evseId) => live.GetValueOrDefault(evseId);

    public IEnumerable<LiveEvse> All => live.Values;

    /// <summary>The EVSE where a vehicle with this identifier is plugged in, if any is live.</summary>
    public LiveEvse? WhereIs(string vehicleIdentifier) =>
        byVehicle.TryGetValue(vehicleIdentifier, out var evseId) && live.TryGetValue(evseId, out var evse)
            && string.Equals(evse.VehicleIdentifier, vehicleIdentifier, StringComparison.OrdinalIgnoreCase)
            ? evse
            : null;

    /// <summary>
    /// Records a driver's "I'm plugged in here" for an EVSE that reports a plugged vehicle it cannot identify; false when
    /// the EVSE is offline, nothing is plugged, or it already reads another vehicle. The claim ends when the car unplugs.
    /// </summary>
    public bool Claim(Guid evseId, string vehicleIdentifier)
    {
        if (!live.TryGetValue(evseId, out var evse) || evse.Status is not { Plugged: true } status
            || (status.VehicleIdentifier is { } read && !string.Equals(read, vehicleIdentifier, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (evse.ClaimedVehicleIdentifier is { } previous)
        {
            byVehicle.TryRemove(new KeyValuePair<string, Guid>(previous, evseId));
        }

        evse.ClaimedVehicleIdentifier = vehicleIdentifier;
        byVehicle[vehicleIdentifier] = evseId;
        StatusChanged?.Invoke(evseId, status);
        return true;
    }

    public void Add(LiveEvse connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (live.TryGetValue(connection.EvseId, out var previous) && previous.ConnectionId != connection.ConnectionId)
        {
            previous.Context.Abort();
        }

        live[connection.EvseId] = connection;
        Connected?.Invoke(connection.EvseId);
    }

    public void Remove(Guid evseId, string connectionId)
    {
        if (live.TryGetValue(evseId, out var current) && current.ConnectionId == connectionId
            && live.TryRemove(new KeyValuePair<Guid, LiveEvse>(evseId, current)))
        {
            Forget(current.Status, evseId);
            Disconnected?.Invoke(evseId);
        }
    }

    public void Report(LiveEvse connection, StatusMessage status, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(status);
        Forget(connection.Status, connection.EvseId);
        connection.Status = status;
        connection.LastSeen = at;
        if (!status.Plugged && connection.ClaimedVehicleIdentifier is { } claimed)
        {
            byVehicle.TryRemove(new KeyValuePair<string, Guid>(claimed, connection.EvseId));
            connection.ClaimedVehicleIdentifier = null; // unplugged: the claim ends with the session
        }

        if (status is { Plugged: true, VehicleIdentifier: { Length: > 0 } identifier })
        {
            byVehicle[identifier] = connection.EvseId;
        }

        StatusChanged?.Invoke(connection.EvseId, status);
    }

    private void Forget(StatusMessage? previous, Guid evseId)
    {
        if (previous?.VehicleIdentifier is { Length: > 0 } identifier)
        {
            byVehicle.TryRemove(new KeyValuePair<string, Guid>(identifier, evseId));
        }
    }
}
