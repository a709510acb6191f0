using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.AspNetCore.SignalR;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>Commands of EV-executed programs over the car makers' telematics links (<c>/hubs/telematics</c>, seed A.2.2).</summary>
public sealed class TelematicsCommandTransport : ICommandTransport
{
    private readonly TelematicsLinks links;
    private readonly IHubContext<TelematicsHub, ITelematicsClient> hub;

    public TelematicsCommandTransport(TelematicsLinks links, IHubContext<TelematicsHub, ITelematicsClient> hub)
    {
        this.links = links;
        this.hub = hub;
        links.Connected += id => LinkUp?.Invoke(id);
        links.Disconnected += id => LinkLost?.Invoke(id);
    }

    public event Action<Guid>? LinkUp;

    public event Action<Guid>? LinkLost;

    public ProgramExecutor Executor => ProgramExecutor.Ev;

    public bool IsUp(Guid linkId) => links.IsOnline(linkId);

    public ExecutorReport? Report(LiveCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var report = links.LatestReport(command.CommandId, command.TelematicsOperatorId);
        return new ExecutorReport(report?.PowerKw ?? 0, report?.Following ?? true, report?.Reason, report is { PowerKw: < 0 } ? report.CommandId : null);
    }

    public Task SendAsync(DischargeCommand command, string? vehicleIdentifier)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.TelematicsOperatorId is { } maker && links.ConnectionOf(maker) is { } connection && vehicleIdentifier is not null
            ? hub.Clients.Client(connection).Discharge(new VehicleCommandMessage(command.Id, vehicleIdentifier, command.Kw, command.Until, command.ProgramName, command.FailSafeDeadline))
            : Task.CompletedTask;
    }

    public async Task StopAsync(LiveCommand command, string reasonId)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.TelematicsOperatorId is { } maker && links.ConnectionOf(maker) is { } connection && command.VehicleIdentifier is { } vehicle)
        {
            await hub.Clients.Client(connection).Stop(new VehicleStopMessage(command.CommandId, vehicle, reasonId));
        }

        links.Forget(command.CommandId);
    }

    public IEnumerable<ExecutingCommand> Executing() =>
        links.Discharging.Select(r => new ExecutingCommand(r.Report.CommandId, r.OperatorId, r.Report.VehicleIdentifier));

    public void Ended(Guid commandId) => links.Forget(commandId);
}
