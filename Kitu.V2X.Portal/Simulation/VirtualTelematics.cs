using Kitu.V2X.Portal.Api;
using Kitu.V2X.Portal.Hubs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// A car maker's telematics cloud, simulated: a real SignalR client of <c>/hubs/telematics</c> that authenticates
/// with the maker's operator API key and carries EV-executed commands to its cars (seed A.2.2). Each car discharges
/// through the virtual EVSE it is plugged into — which applies the grid's rules and its owner's policy — and reports
/// over the link what it measures and whether the command is followed.
/// </summary>
public sealed class VirtualTelematics : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly HubConnection connection;
    private readonly Func<string, VirtualEvse?> locate;
    private readonly TimeProvider time;
    private readonly TimeSpan reportEvery;
    private readonly Dictionary<Guid, (string Vehicle, DateTimeOffset Until, DateTimeOffset Deadline)> commands = [];
    private ITimer? timer;
    private DateTimeOffset lastReport;

    /// <param name="locate">Finds the virtual EVSE a car (by identifier) is plugged into — what the car itself knows.</param>
    public VirtualTelematics(Uri portal, string apiKey, Func<string, VirtualEvse?> locate, TimeProvider time, TimeSpan reportEvery)
    {
        this.locate = locate;
        this.time = time;
        this.reportEvery = reportEvery;
        connection = new HubConnectionBuilder()
            .WithUrl(new Uri(portal, TelematicsHub.Path), HttpTransportType.WebSockets, o =>
            {
                o.Headers[ApiKeyAuthentication.Header] = apiKey;
                o.SkipNegotiation = true;
                o.WebSocketFactory = ConnectTimeout.Factory(ConnectTimeout.Charger);
            })
            .WithAutomaticReconnect(ReconnectBackOff.Charger)
            .Build();
        connection.On<VehicleCommandMessage>(nameof(ITelematicsClient.Discharge), OnDischargeAsync);
        connection.On<VehicleStopMessage>(nameof(ITelematicsClient.Stop), OnStopAsync);
    }

    public HubConnectionState State => connection.State;

    /// <summary>Every command id received, duplicates included.</summary>
    public List<Guid> Received { get; } = [];

    public List<(Guid CommandId, string Reason)> Stops { get; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await connection.StartAsync(cancellationToken);
        timer = time.CreateTimer(_ => _ = TickAsync(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public Task DropLinkAsync() => connection.StopAsync();

    /// <summary>Ends commands past their end or fail-safe deadline, and reports the others when due.</summary>
    public async Task TickAsync()
    {
        var now = time.GetUtcNow();
        List<(Guid Id, string Vehicle)> expired;
        bool due;
        lock (gate)
        {
            expired = [.. commands.Where(c => now >= c.Value.Until || now >= c.Value.Deadline).Select(c => (c.Key, c.Value.Vehicle))];
            foreach (var (id, _) in expired)
            {
                commands.Remove(id);
            }

            due = now - lastReport >= reportEvery;
        }

        foreach (var (id, vehicle) in expired)
        {
            if (locate(vehicle) is { } evse)
            {
                await evse.EvStopsAsync(id);
            }
        }

        if (due)
        {
            await ReportAllAsync();
        }
    }

    public async Task ReportAllAsync()
    {
        List<(Guid Id, string Vehicle)> active;
        lock (gate)
        {
            lastReport = time.GetUtcNow();
            active = [.. commands.Select(c => (c.Key, c.Value.Vehicle))];
        }

        foreach (var (id, vehicle) in active)
        {
            await ReportAsync(id, vehicle);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (timer is not null)
        {
            await timer.DisposeAsync();
        }

        await connection.DisposeAsync();
    }

    private async Task OnDischargeAsync(VehicleCommandMessage command)
    {
        lock (gate)
        {
            Received.Add(command.CommandId);
        }

        var refusal = locate(command.VehicleIdentifier) is { } evse ? await evse.EvRequestsDischargeAsync(command) : "ev.not_plugged_in";
        if (refusal is not null)
        {
            await InvokeAsync(nameof(TelematicsHub.Reject), command.CommandId, refusal);
            return;
        }

        lock (gate)
        {
            commands[command.CommandId] = (command.VehicleIdentifier, command.Until, command.FailSafeDeadline);
        }

        await InvokeAsync(nameof(TelematicsHub.Ack), command.CommandId);
        await ReportAsync(command.CommandId, command.VehicleIdentifier);
    }

    private async Task OnStopAsync(VehicleStopMessage stop)
    {
        bool known;
        lock (gate)
        {
            Stops.Add((stop.CommandId, stop.Reason));
            known = commands.Remove(stop.CommandId);
        }

        if (known && locate(stop.VehicleIdentifier) is { } evse)
        {
            await evse.EvStopsAsync(stop.CommandId);
        }
    }

    /// <summary>The car's view: discharging through its EVSE for this command, or not followed — with the EVSE's reason.</summary>
    private Task ReportAsync(Guid commandId, string vehicle)
    {
        var evse = locate(vehicle);
        var discharge = evse?.EvDischarge;
        var following = discharge?.CommandId == commandId;
        var reason = following ? null : evse is null ? "ev.not_plugged_in" : evse.CarDischargeEndedBecause ?? "ev.not_followed";
        var report = new VehicleReportMessage(commandId, vehicle, following ? discharge!.Value.PowerKw : 0, evse?.Ev is { } ev ? Math.Round(ev.SocPercent, 2) : null, following, reason);
        return InvokeAsync(nameof(TelematicsHub.Report), report);
    }

    private async Task InvokeAsync(string method, params object?[] args)
    {
        if (connection.State != HubConnectionState.Connected)
        {
            return;
        }

        try
        {
            await connection.InvokeCoreAsync(method, args);
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.SignalR.HubException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // The link dropped, or the portal no longer runs the command; the next report carries the state.
        }
    }
}
