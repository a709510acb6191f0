using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>Commands of EVSE-executed programs over the EVSEs' own live links (<c>/hubs/evse</c> or OCPP).</summary>
public sealed class EvseCommandTransport : ICommandTransport
{
    private readonly EvseConnections connections;

    public EvseCommandTransport(EvseConnections connections)
    {
        this.connections = connections;
        connections.Connected += id => LinkUp?.Invoke(id);
        connections.Disconnected += id => LinkLost?.Invoke(id);
    }

    public event Action<Guid>? LinkUp;

    public event Action<Guid>? LinkLost;

    public ProgramExecutor Executor => ProgramExecutor.Evse;

    public bool IsUp(Guid linkId) => connections.Get(linkId) is not null;

    public ExecutorReport? Report(LiveCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return connections.Get(command.EvseId)?.Status is { } status
            ? new ExecutorReport(status.CommandId == command.CommandId ? status.PowerKw : 0, true, null, status.CommandId)
            : null;
    }

    public Task SendAsync(DischargeCommand command, string? vehicleIdentifier)
    {
        ArgumentNullException.ThrowIfNull(command);
        return connections.Get(command.EvseId) is { } live
            ? live.Link.DischargeAsync(new DischargeCommandMessage(command.Id, command.Kw, command.Until, command.ProgramName, command.FailSafeDeadline))
            : Task.CompletedTask;
    }

    public Task StopAsync(LiveCommand command, string reasonId)
    {
        ArgumentNullException.ThrowIfNull(command);
        return connections.Get(command.EvseId) is { } live
            ? live.Link.StopAsync(new StopMessage(command.CommandId, reasonId))
            : Task.CompletedTask;
    }

    public IEnumerable<ExecutingCommand> Executing() =>
        connections.All.Where(c => c.Status?.CommandId is not null).Select(c => new ExecutingCommand(c.Status!.CommandId!.Value, c.EvseId, c.VehicleIdentifier));

    public void Ended(Guid commandId)
    {
        // Nothing kept per command: the EVSE's status says what it runs.
    }
}
