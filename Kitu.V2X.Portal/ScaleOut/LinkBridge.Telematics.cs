using Kitu.V2X.Portal.Discharge;
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
            // Checked and kept as the hub does with one instance: what crossed Redis is not trusted more than a link.
            case Kinds.TelematicsReport when message is { Operator: { } op, Report: { } report } && TelematicsHub.Problem(report) is null
                && TelematicsHub.Kept(liveCommands.Get(report.CommandId), op, report):
                if (telematics.Report(op, report, message.At ?? time.GetUtcNow()))
                {
                    inbox.Reported();
                }

                break;
        }
    }
}
