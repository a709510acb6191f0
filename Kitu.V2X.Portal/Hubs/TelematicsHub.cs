using Kitu.V2X.Portal.Api;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Discharge;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// The OEM telematics link (<c>/hubs/telematics</c>): a car maker's cloud connects with its operator API key and
/// carries the commands of EV-executed programs to its cars (seed A.2.2). Only an OEM operator that names the
/// vehicle makes it reaches may connect; it is only ever sent, and may only answer for, commands for those cars.
/// Every message is checked before it touches state; answers go to the <see cref="CommandInbox"/>, never to the mediator
/// (with several instances, answers and reports for commands the mediator runs elsewhere go there over the link bridge).
/// </summary>
[Authorize(AuthenticationSchemes = ApiKeyAuthentication.SchemeName)]
public sealed class TelematicsHub(TelematicsLinks links, CommandInbox inbox, LiveCommands live, PortalDbContext db, TimeProvider time) : Hub<ITelematicsClient>
{
    public const string Path = "/hubs/telematics";

    private Guid OperatorId => Guid.Parse(Context.User!.FindFirst(ApiKeyAuthentication.OperatorClaim)!.Value);

    public override async Task OnConnectedAsync()
    {
        var op = await db.ProgramOperators.AsNoTracking().SingleOrDefaultAsync(o => o.Id == OperatorId, Context.ConnectionAborted);
        if (op is not { Kind: OperatorKind.Oem } || op.VehicleMakes.Count == 0)
        {
            throw new HubException("Only a car maker's operator that names the vehicle makes it reaches may open a telematics link.");
        }

        links.Add(op.Id, Context.ConnectionId); // the mediator hears of it from the link's Connected event
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        links.Remove(OperatorId, Context.ConnectionId);
        return Task.CompletedTask;
    }

    public Task Ack(Guid commandId)
    {
        Current();
        Require(inbox.Ack(ProgramExecutor.Ev, OperatorId, commandId), "Unknown command id for this link.");
        return Task.CompletedTask;
    }

    public Task Reject(Guid commandId, string reason)
    {
        Current();
        Require(reason is { Length: > 0 and <= 64 }, "A reject needs a reason code of at most 64 characters.");
        Require(inbox.Reject(ProgramExecutor.Ev, OperatorId, commandId, reason), "Unknown command id for this link.");
        return Task.CompletedTask;
    }

    public Task Report(VehicleReportMessage report)
    {
        Current();
        if (Problem(report) is { } problem)
        {
            throw new HubException(problem);
        }

        var command = live.Get(report!.CommandId);
        if (command is null && links.Elsewhere?.Invoke(OperatorId, report) == true)
        {
            return Task.CompletedTask; // the mediator runs on another instance: the report is judged and kept there
        }

        Require(Kept(command, OperatorId, report), "Unknown command id for this link.");
        Require(links.Report(OperatorId, report, time.GetUtcNow()), "Too many reports are kept for this link; try again later.");
        inbox.Reported();
        return Task.CompletedTask;
    }

    /// <summary>What is wrong with a car's report, or null — the same checks wherever it arrives: over a link, or from another instance.</summary>
    internal static string? Problem(VehicleReportMessage? report) => report switch
    {
        null => "report is required.",
        { SocPercent: not (null or (>= 0 and <= 100)) } => "SoC must be between 0 and 100 %.",
        _ when !double.IsFinite(report.PowerKw) || Math.Abs(report.PowerKw) > 1_000 => "Power must be between −1,000 and 1,000 kW.",
        { VehicleIdentifier: not { Length: > 0 and <= 64 } } => "The vehicle identifier is 1 to 64 characters.",
        { Reason: { Length: > 64 } } => "The reason is at most 64 characters.",
        _ => null,
    };

    /// <summary>
    /// Whether a report over <paramref name="operatorId"/>'s link is kept: for a command that link carries (for the
    /// watch); for one the portal does not run (any more), only while the car says it discharges (so the orphan check
    /// can stop it).
    /// </summary>
    internal static bool Kept(LiveCommand? command, Guid operatorId, VehicleReportMessage report) =>
        command is null ? report.PowerKw < 0 : command.Executor == ProgramExecutor.Ev && command.TelematicsOperatorId == operatorId;

    private static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new HubException(message);
        }
    }

    private void Current()
    {
        if (links.ConnectionOf(OperatorId) != Context.ConnectionId)
        {
            throw new HubException("This connection was replaced by a newer one for the same operator.");
        }
    }
}
