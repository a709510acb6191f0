using System.Collections.Frozen;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>A live command as the last pass left it: enough to reach its executor and to show it.</summary>
public sealed record LiveCommand(
    Guid CommandId,
    Guid EventId,
    Guid VehicleId,
    Guid EvseId,
    ProgramExecutor Executor,
    Guid? TelematicsOperatorId,
    string? VehicleIdentifier,
    CommandState State,
    double Kw,
    double? MeasuredKw)
{
    /// <summary>The link that carries it: the EVSE's own, or its car maker's telematics link.</summary>
    public Guid LinkId => Executor == ProgramExecutor.Ev ? TelematicsOperatorId ?? Guid.Empty : EvseId;

    public static LiveCommand Of(DischargeCommand command, string? vehicleIdentifier)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new LiveCommand(command.Id, command.EventId, command.VehicleId, command.EvseId, command.Executor, command.TelematicsOperatorId, vehicleIdentifier, command.State, command.Kw, command.MeasuredKw);
    }
}

/// <summary>
/// The in-memory view of the live (not ended) commands: by id, by vehicle, by event. The pass replaces it whole at its
/// end and adds a command before its first send (its ack may come back at once). Links answer "is this command mine?"
/// from it without touching the mediator; the driver's stop and the operator's cancel reach executors from it at once.
/// </summary>
public sealed class LiveCommands
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, LiveCommand> added = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> addedEvses = new();
    private readonly Lock gate = new();
    private volatile Snapshot current = Snapshot.Empty;

    public int Count => current.ById.Count + added.Count(a => !current.ById.ContainsKey(a.Key));

    public IEnumerable<LiveCommand> All => current.ById.Values.Where(c => !added.ContainsKey(c.CommandId)).Concat(added.Values);

    public LiveCommand? Get(Guid commandId) => added.TryGetValue(commandId, out var a) ? a : current.ById.GetValueOrDefault(commandId);

    public LiveCommand? ForVehicle(Guid vehicleId) =>
        added.Values.LastOrDefault(c => c.VehicleId == vehicleId) ?? current.ByVehicle.GetValueOrDefault(vehicleId);

    public IEnumerable<LiveCommand> ForEvent(Guid eventId) => All.Where(c => c.EventId == eventId);

    /// <summary>Whether a live command runs at this EVSE (its status reports are then worth a pass soon).</summary>
    public bool AnyAt(Guid evseId) => current.Evses.Contains(evseId) || addedEvses.ContainsKey(evseId);

    /// <summary>Whether the link <paramref name="linkId"/> (an EVSE, or a car maker's link) carries this command.</summary>
    public bool CarriedBy(Guid commandId, Guid linkId, ProgramExecutor executor) =>
        Get(commandId) is { } c && c.Executor == executor && c.LinkId == linkId;

    /// <summary>Adds (or updates) one command before it is sent, until the pass's view replaces it.</summary>
    public void Add(LiveCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        added[command.CommandId] = command;
        addedEvses[command.EvseId] = 0;
    }

    /// <summary>The view of the pass that just ended.</summary>
    public void Replace(IEnumerable<LiveCommand> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        lock (gate)
        {
            current = Snapshot.Of(commands);
            added.Clear();
            addedEvses.Clear();
        }
    }

    private sealed record Snapshot(FrozenDictionary<Guid, LiveCommand> ById, FrozenDictionary<Guid, LiveCommand> ByVehicle, FrozenSet<Guid> Evses)
    {
        public static Snapshot Empty { get; } = Of([]);

        public static Snapshot Of(IEnumerable<LiveCommand> commands)
        {
            var list = commands.ToList();
            return new Snapshot(
                list.ToFrozenDictionary(c => c.CommandId),
                list.GroupBy(c => c.VehicleId).ToFrozenDictionary(g => g.Key, g => g.Last()),
                list.Select(c => c.EvseId).ToFrozenSet());
        }
    }
}
