using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// What an executor reports for a command now: the power it measures (kW, negative = discharging), whether it judges
/// the command followed (a car does; an EVSE's own judgement is its power), with its code when not, and which
/// command it is executing (after a restart: is it still this one?).
/// </summary>
public sealed record ExecutorReport(double PowerKw, bool Following, string? Code, Guid? ExecutingCommandId);

/// <summary>A command an executor reports running, whether or not the portal still runs it.</summary>
public sealed record ExecutingCommand(Guid CommandId, Guid LinkId, string? VehicleIdentifier);

/// <summary>
/// The seam between the mediator and the links that carry its commands: the SignalR EVSE hub (the portal's own
/// protocol), the car makers' telematics hub, and — behind the same seam — an OCPP gateway. A transport knows its
/// links (one per EVSE, or one per car maker), sends, renews and stops commands, and says what executors report.
/// It never decides anything.
/// </summary>
public interface ICommandTransport
{
    ProgramExecutor Executor { get; }

    /// <summary>A link came up (an EVSE or a car maker connected).</summary>
    event Action<Guid>? LinkUp;

    /// <summary>A link was lost.</summary>
    event Action<Guid>? LinkLost;

    bool IsUp(Guid linkId);

    /// <summary>What the executor reports for the command now; null when there is nothing to judge yet (it just connected).</summary>
    ExecutorReport? Report(LiveCommand command);

    /// <summary>Sends the command, or sends it again with the same id (a resend, a renewal, a new power).</summary>
    Task SendAsync(DischargeCommand command, string? vehicleIdentifier);

    /// <summary>Tells the executor to stop the command now, with a reason id from the catalogue.</summary>
    Task StopAsync(LiveCommand command, string reasonId);

    /// <summary>Commands executors report running now (the orphan check stops those the portal does not run).</summary>
    IEnumerable<ExecutingCommand> Executing();

    /// <summary>The command ended: whatever the transport keeps for it can go.</summary>
    void Ended(Guid commandId);
}

/// <summary>The transports by executor.</summary>
public sealed class CommandLinks(IEnumerable<ICommandTransport> transports)
{
    private readonly Dictionary<ProgramExecutor, ICommandTransport> byExecutor = transports.ToDictionary(t => t.Executor);

    public IEnumerable<ICommandTransport> All => byExecutor.Values;

    public ICommandTransport For(ProgramExecutor executor) => byExecutor[executor];
}
