using Kitu.V2X.Portal.Api;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Workers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// The OEM telematics link (<c>/hubs/telematics</c>): a car maker's cloud connects with its operator API key and
/// carries the commands of EV-executed programs to its cars (seed A.2.2). Only an OEM operator that names the
/// vehicle makes it reaches may connect; it is only ever sent, and may only answer for, commands for those cars.
/// Every message is checked before it touches state.
/// </summary>
[Authorize(AuthenticationSchemes = ApiKeyAuthentication.SchemeName)]
public sealed class TelematicsHub(TelematicsLinks links, DischargeMediator mediator, PortalDbContext db, TimeProvider time) : Hub<ITelematicsClient>
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

        links.Add(op.Id, Context.ConnectionId);
        mediator.OnTelematicsConnected(op.Id);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        links.Remove(OperatorId, Context.ConnectionId);
        return Task.CompletedTask;
    }

    public async Task Ack(Guid commandId)
    {
        Current();
        if (!await mediator.OnTelematicsAckAsync(OperatorId, commandId, Context.ConnectionAborted))
        {
            throw new HubException("Unknown command id for this link.");
        }
    }

    public async Task Reject(Guid commandId, string reason)
    {
        Current();
        Require(reason is { Length: > 0 and <= 64 }, "A reject needs a reason code of at most 64 characters.");
        if (!await mediator.OnTelematicsRejectAsync(OperatorId, commandId, reason, Context.ConnectionAborted))
        {
            throw new HubException("Unknown command id for this link.");
        }
    }

    public Task Report(VehicleReportMessage report)
    {
        Current();
        Require(report is not null, "report is required.");
        Require(report!.SocPercent is null or (>= 0 and <= 100), "SoC must be between 0 and 100 %.");
        Require(double.IsFinite(report.PowerKw) && Math.Abs(report.PowerKw) <= 1_000, "Power must be between −1,000 and 1,000 kW.");
        Require(report.VehicleIdentifier is { Length: > 0 and <= 64 }, "The vehicle identifier is 1 to 64 characters.");
        Require(report.Reason is null or { Length: <= 64 }, "The reason is at most 64 characters.");
        if (!mediator.OnTelematicsReport(OperatorId, report, time.GetUtcNow()))
        {
            throw new HubException("Unknown command id for this link.");
        }

        return Task.CompletedTask;
    }

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
