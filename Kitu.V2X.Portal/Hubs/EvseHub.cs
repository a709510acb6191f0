using Kitu.V2X.Portal.Workers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// The EVSEs' live connection (<c>/hubs/evse</c>, protocol v1, docs/evse-protocol.md). Each EVSE authenticates with
/// its id and secret; every message is checked before it touches state, and a bad one is refused with a
/// <see cref="HubException"/> that leaves the connection — and every other — as it was.
/// </summary>
[Authorize(AuthenticationSchemes = EvseKeyAuthentication.SchemeName)]
public sealed class EvseHub(EvseConnections connections, DischargeMediator mediator, TimeProvider time) : Hub<IEvseClient>
{
    public const string Path = "/hubs/evse";
    public const int ProtocolVersion = 1;
    public const long MaximumMessageBytes = 8 * 1024;

    private Guid EvseId => Guid.Parse(Context.User!.FindFirst(EvseKeyAuthentication.EvseIdClaim)!.Value);

    public override async Task OnConnectedAsync()
    {
        connections.Add(new LiveEvse(EvseId, Context, time.GetUtcNow()));
        await mediator.OnEvseConnectedAsync(EvseId, Context.ConnectionAborted);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(EvseId, Context.ConnectionId);
        return Task.CompletedTask;
    }

    public Task Hello(HelloMessage hello)
    {
        Require(hello is not null, "hello is required.");
        Require(hello!.ProtocolVersion == ProtocolVersion, $"Protocol version {hello.ProtocolVersion} is not supported; this portal speaks {ProtocolVersion}.");
        Require(Kw(hello.MaxChargeKw) && Kw(hello.MaxDischargeKw), "Ratings must be between 0 and 1,000 kW.");
        Require(Text(hello.Make) && Text(hello.Model) && Text(hello.Firmware), "Make, model and firmware are at most 64 characters.");
        Current().Hello = hello;
        return Task.CompletedTask;
    }

    public async Task Status(StatusMessage status)
    {
        Require(status is not null, "status is required.");
        Require(status!.SocPercent is null or (>= 0 and <= 100), "SoC must be between 0 and 100 %.");
        Require(double.IsFinite(status.PowerKw) && Math.Abs(status.PowerKw) <= 1_000, "Power must be between −1,000 and 1,000 kW.");
        Require(Text(status.VehicleIdentifier), "The vehicle identifier is at most 64 characters.");
        Require(Enum.IsDefined(status.State), "Unknown EVSE state.");
        var evse = Current();
        connections.Report(evse, status, time.GetUtcNow());
        await mediator.OnStatusAsync(evse.EvseId, status, Context.ConnectionAborted);
    }

    public async Task Ack(Guid commandId)
    {
        if (!await mediator.OnAckAsync(EvseId, commandId, Context.ConnectionAborted))
        {
            throw new HubException("Unknown command id for this EVSE.");
        }
    }

    public async Task Reject(Guid commandId, string reason)
    {
        Require(reason is { Length: > 0 and <= 64 }, "A reject needs a reason code of at most 64 characters.");
        if (!await mediator.OnRejectAsync(EvseId, commandId, reason, Context.ConnectionAborted))
        {
            throw new HubException("Unknown command id for this EVSE.");
        }
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
