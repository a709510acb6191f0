using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.SignalR;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// The EVSEs' live connection (<c>/hubs/evse</c>, protocol v1, docs/evse-protocol.md). Each EVSE authenticates with
/// its id and secret; every message is checked before it touches state, and a bad one is refused with a
/// <see cref="HubException"/> that leaves the connection — and every other — as it was. Answers to commands go to the
/// <see cref="CommandInbox"/>; the hub never calls the mediator.
/// </summary>
// Authorized once, on the endpoint (UseEvseLinks): the EVSE's credential is checked when it connects. A hub-level
// [Authorize] would run the authorization service again on every invocation — every status, every ack.
public sealed class EvseHub(EvseConnections connections, EvseReports reports, CommandInbox inbox, GridClientWorker grid, IHubContext<EvseHub, IEvseClient> self, IServiceScopeFactory scopes, TimeProvider time) : Hub<IEvseClient>
{
    public const string Path = "/hubs/evse";
    public const int ProtocolVersion = 3;

    /// <summary>The oldest protocol version still served.</summary>
    public const int OldestProtocolVersion = 1;
    /// <summary>Room for a grid report of an EVSE-resident client: every IEEE 1547 curve of ten points, with their sources.</summary>
    public const long MaximumMessageBytes = 32 * 1024;

    private Guid EvseId => Guid.Parse(Context.User!.FindFirst(EvseKeyAuthentication.EvseIdClaim)!.Value);

    public override Task OnConnectedAsync()
    {
        connections.Add(new LiveEvse(EvseId, new SignalREvseLink(Context, self), time.GetUtcNow())); // its grid rules and owner's policy follow (EvseLinkMessages)
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        reports.Gone(EvseId, Context.ConnectionId);
        return Task.CompletedTask;
    }

    public async Task Hello(HelloMessage hello)
    {
        Require(hello is not null, "hello is required.");
        Require(hello!.ProtocolVersion is >= OldestProtocolVersion and <= ProtocolVersion, $"Protocol version {hello.ProtocolVersion} is not supported; this portal speaks {OldestProtocolVersion} to {ProtocolVersion}.");
        Require(Kw(hello.MaxChargeKw) && Kw(hello.MaxDischargeKw), "Ratings must be between 0 and 1,000 kW.");
        Require(Text(hello.Make) && Text(hello.Model) && Text(hello.Firmware), "Make, model and firmware are at most 64 characters.");
        Require(hello.GridFunctions is null || (hello.GridFunctions.Count <= 32 && hello.GridFunctions.All(f => f is { Length: > 0 and <= 40 })), "At most 32 grid functions, each a 2030.5 name of at most 40 characters.");
        Require(hello.NominalVoltageV is null or (>= 50 and <= 1_000), "The nominal voltage must be between 50 and 1,000 V.");
        Require(hello.RampPercentPerSecond is null or (>= 0 and <= 10_000), "The ramp rate must be between 0 and 10,000 % per second.");
        Require(hello.GridClient is null or "portal" or HelloMessage.ResidentClient, "gridClient is \"portal\" or \"resident\".");
        Require(!hello.RunsOwnGridClient || (hello.ProtocolVersion >= 3 && hello.Lfdi is { Length: 40 } && hello.Sfdi is not null), "An EVSE that runs its own 2030.5 client gives its LFDI (40 hex digits) and SFDI (protocol 3).");
        var evse = Current();
        var before = evse.Hello;
        evse.Hello = hello;

        // What the EVSE applies of IEEE 1547 goes to the grid layer (its 2030.5 DERCapability): by EVSE id, nothing else.
        var modes = hello.ProtocolVersion >= 2 && hello.GridFunctions is not null ? DerFunctions.FromNames(hello.GridFunctions) : DerControlModes.Basic;
        await grid.UpdateCapabilitiesAsync(EvseId, modes, hello.NominalVoltageV, hello.RampPercentPerSecond, Context.ConnectionAborted);
        if (hello.RunsOwnGridClient)
        {
            // The charger's own client and key (seed §3.2.4.1): the grid layer records its identity, and the EVSE is
            // told the server its owner chose, if any.
            if (before?.RunsOwnGridClient != true || !string.Equals(before.Lfdi, hello.Lfdi, StringComparison.OrdinalIgnoreCase))
            {
                await using var scope = scopes.CreateAsyncScope();
                var refusal = await scope.ServiceProvider.GetRequiredService<DeviceIdentities>().DeclareResidentAsync(EvseId, hello.Lfdi!, hello.Sfdi!.Value, Context.ConnectionAborted);
                Require(refusal is null, refusal ?? "");
            }

            await Clients.Caller.GridServer(EvseLinkMessages.ServerMessage(grid.Residents.ServerFor(EvseId)));
        }
    }

    /// <summary>What an EVSE that runs its own 2030.5 client reads from its server: the grid layer checks and takes it.</summary>
    public Task GridReport(GridReportMessage report)
    {
        Require(report is not null, "report is required.");
        Require(Current().Hello?.RunsOwnGridClient == true, "Only an EVSE that said in its hello that it runs its own 2030.5 client reports grid rules.");
        Require(report!.Lfdi is { Length: <= 40 }, "The LFDI is 40 hex digits.");
        var refusal = grid.ResidentReport(EvseId, new ResidentReport(
            report.Lfdi, report.Sfdi, report.Integration, report.Detail, report.PollRateSeconds, report.LastContact, report.ValidUntil,
            report.Functions, report.Controls, report.ActiveControl, report.Warnings));
        Require(refusal is null, refusal ?? "");
        return Task.CompletedTask;
    }

    public Task Status(StatusMessage status)
    {
        Require(status is not null, "status is required.");
        Require(status!.SocPercent is null or (>= 0 and <= 100), "SoC must be between 0 and 100 %.");
        Require(double.IsFinite(status.PowerKw) && Math.Abs(status.PowerKw) <= 1_000, "Power must be between −1,000 and 1,000 kW.");
        Require(Text(status.VehicleIdentifier), "The vehicle identifier is at most 64 characters.");
        Require(Enum.IsDefined(status.State), "Unknown EVSE state.");
        Require(status.GridVoltageV is null or (>= 0 and <= 2_000), "The grid voltage must be between 0 and 2,000 V.");
        Require(status.GridFrequencyHz is null or (>= 0 and <= 100), "The grid frequency must be between 0 and 100 Hz.");
        Require(status.ReactiveKvar is null or (>= -1_000 and <= 1_000), "Reactive power must be between −1,000 and 1,000 kvar.");
        Require(status.GridState is null || Enum.IsDefined(status.GridState.Value), "Unknown grid state.");
        Require(status.GridTrip is null || (status.GridTrip.Length <= 40 && DerFunctions.Named(status.GridTrip) is not null), "gridTrip names a 2030.5 trip function.");
        reports.Status(Current(), status);
        return Task.CompletedTask;
    }

    public Task Ack(Guid commandId)
    {
        Require(inbox.Ack(ProgramExecutor.Evse, EvseId, commandId), "Unknown command id for this EVSE.");
        return Task.CompletedTask;
    }

    public Task Reject(Guid commandId, string reason)
    {
        Require(reason is { Length: > 0 and <= 64 }, "A reject needs a reason code of at most 64 characters.");
        Require(inbox.Reject(ProgramExecutor.Evse, EvseId, commandId, reason), "Unknown command id for this EVSE.");
        return Task.CompletedTask;
    }

    public Task Heartbeat()
    {
        Current().LastSeen = time.GetUtcNow();
        return Task.CompletedTask;
    }

    private static bool Kw(double kw) => double.IsFinite(kw) && kw is >= 0 and <= 1_000;

    private static bool Text(string? s) => s is null || s.Length <= 64;

    private static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new HubException(message);
        }
    }

    private LiveEvse Current() =>
        connections.Get(EvseId) is { } evse && evse.ConnectionId == Context.ConnectionId
            ? evse
            : throw new HubException("This connection was replaced by a newer one for the same EVSE.");
}
