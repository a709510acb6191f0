using System.Collections.Concurrent;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// What a change to commands or decisions touched: chargers, cars, programs, events. A page watching any one of them
/// hears it; <see cref="Everything"/> (a change whose reach is not known) reaches every watcher.
/// </summary>
public sealed class ChangeScope
{
    public static ChangeScope Everything { get; } = new() { IsEverything = true };

    public HashSet<Guid> Evses { get; } = [];

    public HashSet<Guid> Vehicles { get; } = [];

    public HashSet<Guid> Programs { get; } = [];

    public HashSet<Guid> Events { get; } = [];

    public bool IsEverything { get; private init; }

    public bool IsEmpty => !IsEverything && Evses.Count == 0 && Vehicles.Count == 0 && Programs.Count == 0 && Events.Count == 0;

    public ChangeScope Add(Guid? evse = null, Guid? vehicle = null, Guid? program = null, Guid? programEvent = null)
    {
        if (IsEverything)
        {
            return this;
        }

        if (evse is { } e && e != Guid.Empty)
        {
            Evses.Add(e);
        }

        if (vehicle is { } v && v != Guid.Empty)
        {
            Vehicles.Add(v);
        }

        if (program is { } p && p != Guid.Empty)
        {
            Programs.Add(p);
        }

        if (programEvent is { } ev && ev != Guid.Empty)
        {
            Events.Add(ev);
        }

        return this;
    }

    /// <summary>True when the change touched something the watch looks at.</summary>
    public bool Touches(ChangeScope watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        return IsEverything || watch.IsEverything
            || watch.Evses.Overlaps(Evses) || watch.Vehicles.Overlaps(Vehicles) || watch.Programs.Overlaps(Programs) || watch.Events.Overlaps(Events);
    }
}

/// <summary>
/// Pushes mediator and EVSE changes to open pages (pages subscribe, nothing polls; with several instances the
/// <see cref="ScaleOut.ChangeRelay"/> carries them to the others' pages through Redis). A page watches what it
/// shows — its site's chargers, its cars, its programs — and disposes the watch when it goes: a status report reaches
/// only the pages watching that charger, a command change only those watching something it touched.
/// </summary>
public sealed class MediatorNotifier
{
    private readonly ConcurrentDictionary<ChangeWatch, byte> watches = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<StatusWatch, byte>> statusWatches = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<StatusWatch, byte>> vehicleWatches = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Calls <paramref name="onChange"/> whenever a command or decision change touches <paramref name="scope"/>.</summary>
    public IDisposable Watch(ChangeScope scope, Action onChange)
    {
        var watch = new ChangeWatch(this, scope, onChange);
        watches[watch] = 0;
        return watch;
    }

    /// <summary>
    /// Calls <paramref name="onStatus"/> for each status report (SoC, power) of one of <paramref name="evses"/>, or of any
    /// charger that reports one of <paramref name="vehicleIdentifiers"/> plugged in (a driver's car arriving somewhere).
    /// </summary>
    public IDisposable WatchStatus(IEnumerable<Guid> evses, Action<Guid, StatusMessage> onStatus, IEnumerable<string>? vehicleIdentifiers = null)
    {
        var watch = new StatusWatch(this, [.. evses.Distinct()], [.. (vehicleIdentifiers ?? []).Where(i => i.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)], onStatus);
        foreach (var evse in watch.Evses)
        {
            statusWatches.GetOrAdd(evse, _ => new())[watch] = 0;
        }

        foreach (var identifier in watch.Vehicles)
        {
            vehicleWatches.GetOrAdd(identifier, _ => new())[watch] = 0;
        }

        return watch;
    }

    /// <summary>Open watches (for tests and the health page): change watches, and charger status watches.</summary>
    public (int Changes, int Status) Count => (watches.Count, statusWatches.Values.Sum(w => w.Count) + vehicleWatches.Values.Sum(w => w.Count));

    /// <summary>A change this instance made (not one relayed from another instance): the relay between instances sends it on.</summary>
    public event Action<ChangeScope>? ChangedHere;

    public void CommandsChanged(ChangeScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.IsEmpty)
        {
            return;
        }

        CommandsChangedElsewhere(scope);
        ChangedHere?.Invoke(scope);
    }

    /// <summary>A change another instance made, for this instance's pages.</summary>
    public void CommandsChangedElsewhere(ChangeScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        foreach (var watch in watches.Keys)
        {
            if (scope.Touches(watch.Scope))
            {
                watch.OnChange();
            }
        }
    }

    /// <summary>
    /// A charger's status, for this instance's pages: from a link held here, or from another instance's over the link
    /// bridge (which carries a status to the other instances; nothing here sends it on).
    /// </summary>
    public void EvseStatus(Guid evseId, StatusMessage status)
    {
        ArgumentNullException.ThrowIfNull(status);
        statusWatches.TryGetValue(evseId, out var forEvse);
        ConcurrentDictionary<StatusWatch, byte>? forVehicle = null;
        if (status is { Plugged: true, VehicleIdentifier: { Length: > 0 } identifier })
        {
            vehicleWatches.TryGetValue(identifier, out forVehicle);
        }

        if (forEvse is null && forVehicle is null)
        {
            return;
        }

        foreach (var watch in (forEvse?.Keys ?? []).Concat(forVehicle?.Keys ?? []).Distinct())
        {
            watch.OnStatus(evseId, status);
        }
    }

    private sealed class ChangeWatch(MediatorNotifier owner, ChangeScope scope, Action onChange) : IDisposable
    {
        public ChangeScope Scope { get; } = scope;

        public Action OnChange { get; } = onChange;

        public void Dispose() => owner.watches.TryRemove(this, out _);
    }

    private sealed class StatusWatch(MediatorNotifier owner, Guid[] evses, string[] vehicles, Action<Guid, StatusMessage> onStatus) : IDisposable
    {
        public Guid[] Evses { get; } = evses;

        public string[] Vehicles { get; } = vehicles;

        public Action<Guid, StatusMessage> OnStatus { get; } = onStatus;

        public void Dispose()
        {
            foreach (var evse in Evses)
            {
                if (owner.statusWatches.TryGetValue(evse, out var forEvse))
                {
                    forEvse.TryRemove(this, out _);
                    if (forEvse.IsEmpty)
                    {
                        owner.statusWatches.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<StatusWatch, byte>>(evse, forEvse));
                    }
                }
            }

            foreach (var identifier in Vehicles)
            {
                if (owner.vehicleWatches.TryGetValue(identifier, out var forVehicle))
                {
                    forVehicle.TryRemove(this, out _);
                    if (forVehicle.IsEmpty)
                    {
                        owner.vehicleWatches.TryRemove(new KeyValuePair<string, ConcurrentDictionary<StatusWatch, byte>>(identifier, forVehicle));
                    }
                }
            }
        }
    }
}
