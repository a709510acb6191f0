using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// Car makers' telematics links across instances: each instance tells the others which makers' links it holds (their
/// connection ids: the mediator sends to them through SignalR's backplane, wherever it runs), and passes on what those
/// links say for commands the mediator runs elsewhere — acks, rejects and the cars' reports.
/// </summary>
public sealed partial class LinkBridge
{
    private void StartTelematics()
    {
        telematics.UpHere += OnTelematicsUp;
        telematics.DownHere += OnTelematicsDown;
        telematics.Elsewhere = ForwardReport;
    }

    private void StopTelematics()
    {
        telematics.UpHere -= OnTelematicsUp;
        telematics.DownHere -= OnTelematicsDown;
        telematics.Elsewhere = null;
    }

    private void AnnounceTelematics()
    {
        foreach (var (operatorId, connectionId) in telematics.Here)
        {
            OnTelematicsUp(operatorId, connectionId);
        }
    }

    private void OnTelematicsUp(Guid operatorId, string connectionId) =>
        Publish(new Message { Kind = Kinds.TelematicsUp, Operator = operatorId, ConnectionId = connectionId });

    private void OnTelematicsDown(Guid operatorId, string connectionId) =>
        Publish(new Message { Kind = Kinds.TelematicsDown, Operator = operatorId, ConnectionId = connectionId });

    /// <summary>A car's report over a link held here, for a command this instance does not run: to the mediator's instance.</summary>
    private bool ForwardReport(Guid operatorId, VehicleReportMessage report)
    {
        if (mediator.IsHeld || !telematics.IsHere(operatorId))
        {
            return false; // the mediator is here: the hub judges it as with one instance
        }

        Publish(new Message { Kind = Kinds.TelematicsReport, Operator = operatorId, Report = report, At = time.GetUtcNow() });
        return true;
    }

    /// <summary>An ack or reject over a maker's link held here, for a command the mediator runs elsewhere: passed on.</summary>
    private bool ForwardTelematicsAnswer(Guid operatorId, CommandAnswer answer)
    {
        if (mediator.IsHeld || !telematics.IsHere(operatorId))
        {
            return false;
        }

        Publish(new Message { Kind = Kinds.Answer, Operator = operatorId, CommandId = answer.CommandId, At = answer.At, RejectCode = answer.RejectCode });
        return true;
    }

    private void TakeTelematicsNews(string from, Message message)
    {
        switch (message.Kind)
        {
            case Kinds.TelematicsUp when message is { Operator: { } op, ConnectionId: { Length: > 0 } connectionId }:
                telematics.AddElsewhere(op, connectionId, from);
                break;
            case Kinds.TelematicsDown when message is { Operator: { } op, ConnectionId: { Length: > 0 } connectionId }:
                if (!telematics.IsHere(op))
                {
                    telematics.Remove(op, connectionId);
                }

                break;
            case Kinds.TelematicsReport when message is { Operator: { } op, Report: { } report } && Sound(report):
                // Kept as the hub keeps it with one instance: for a command that link carries, or while the car discharges.
                var command = liveCommands.Get(report.CommandId);
                if ((command is null && report.PowerKw >= 0) || (command is not null && (command.Executor != ProgramExecutor.Ev || command.TelematicsOperatorId != op)))
                {
                    return;
                }

                if (telematics.Report(op, report, message.At ?? time.GetUtcNow()))
                {
                    inbox.Reported();
                }

                break;
        }
    }

    /// <summary>The hub's checks of a report, again: what crossed Redis is not trusted more than what came over a link.</summary>
    private static bool Sound(VehicleReportMessage report) =>
        report.SocPercent is null or (>= 0 and <= 100) && double.IsFinite(report.PowerKw) && Math.Abs(report.PowerKw) <= 1_000
        && report.VehicleIdentifier is { Length: > 0 and <= 64 } && report.Reason is null or { Length: <= 64 };
}
