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
        byVehicle.TryGetValue(vehicleIdentifier, out var evseId) && live.TryGetValue(evseId, out var evse) && evse.Status?.Plugged == true
            ? evse
            : null;

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
