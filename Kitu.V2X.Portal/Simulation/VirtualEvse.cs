using Kitu.V2X.Portal.Hubs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>An EV plugged into a virtual EVSE: its identifier, battery and SoC.</summary>
public sealed class VirtualEv(string identifier, double batteryKwh, double socPercent, bool j3072Capable)
{
    public string Identifier { get; } = identifier;

    public double BatteryKwh { get; } = batteryKwh;

    public bool J3072Capable { get; } = j3072Capable;

    public double SocPercent { get; set; } = socPercent;
}

/// <summary>Ways a virtual EVSE can misbehave, for tests of the mediator's checks.</summary>
public sealed class Misbehaviour
{
    /// <summary>Receives commands but never acks or runs them.</summary>
    public bool IgnoreCommands { get; set; }

    /// <summary>Acks and reports running, but reports this power instead of the commanded one.</summary>
    public double? ReportPowerKw { get; set; }
}

/// <summary>
/// A virtual EVSE with an optional EV: a real SignalR client over the network that says hello, reports status,
/// executes discharge commands with its own checks (grid rules, owner policy, a plugged vehicle), moves the EV's SoC
/// with the power, drops duplicate commands, and stops by itself at the fail-safe deadline or the command's end.
/// </summary>
public sealed class VirtualEvse : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly HubConnection connection;
    private readonly TimeProvider time;
    private readonly TimeSpan statusEvery;
    private readonly double maxDischargeKw;
    private readonly double batterySpeed;
    private readonly HashSet<Guid> seen = [];
    private ITimer? timer;
    private DateTimeOffset lastTick;
    private DateTimeOffset lastStatus;
    private (Guid Id, double Kw, DateTimeOffset Until, DateTimeOffset Deadline, bool ByEv)? active;

    /// <param name="messagePack">Speak the MessagePack hub protocol instead of JSON (both are served; docs/evse-protocol.md).</param>
    /// <param name="validateServer">For an https portal with a certificate the machine does not trust (the benchmark's own).</param>
    public VirtualEvse(Guid evseId, string secret, Uri portal, double maxDischargeKw, VirtualEv? ev, TimeProvider time, TimeSpan statusEvery, double batterySpeed = 1, bool messagePack = false,
        System.Net.Security.RemoteCertificateValidationCallback? validateServer = null)
    {
        this.batterySpeed = batterySpeed;
        EvseId = evseId;
        Ev = ev;
        this.time = time;
        this.statusEvery = statusEvery;
        this.maxDischargeKw = maxDischargeKw;
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(portal, EvseHub.Path), HttpTransportType.WebSockets, o =>
            {
                o.Headers["Authorization"] = EvseKeyAuthentication.Header(evseId, secret);
                o.SkipNegotiation = true;
                if (validateServer is not null)
                {
                    o.WebSocketConfiguration = ws => ws.RemoteCertificateValidationCallback = validateServer;
                }
            })
            .WithAutomaticReconnect([TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)]);
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        connection = builder.Build();
        connection.On<GridRulesMessage>(nameof(IEvseClient.GridRules), r =>
        {
            Grid = r;
            return EnforceOnCarDischargeAsync();
        });
        connection.On<OwnerPolicyMessage>(nameof(IEvseClient.OwnerPolicy), p =>
        {
            Policy = p;
            return EnforceOnCarDischargeAsync();
        });
        connection.On<DischargeCommandMessage>(nameof(IEvseClient.Discharge), OnDischargeAsync);
        connection.On<StopMessage>(nameof(IEvseClient.Stop), OnStopAsync);
        connection.Reconnected += async _ => await HelloAsync();
    }

    public Guid EvseId { get; }

    public VirtualEv? Ev { get; set; }

    public Misbehaviour Misbehave { get; } = new();

    /// <summary>False for a charger that cannot read the car's identifier (the driver claims the session instead).</summary>
    public bool ReadsVehicleIdentifier { get; set; } = true;

    public GridRulesMessage? Grid { get; private set; }

    public OwnerPolicyMessage? Policy { get; private set; }

    public HubConnectionState State => connection.State;

    /// <summary>Measured power, kW: negative while discharging.</summary>
    public double PowerKw { get; private set; }

    public Guid? ActiveCommand => active?.Id;

    /// <summary>Every command id received, in order, duplicates included (tests count executions with it).</summary>
    public List<Guid> Received { get; } = [];

    public int Executions { get; private set; }

    public List<(Guid CommandId, string Reason)> Stops { get; } = [];

    /// <summary>Called once the portal has taken this EVSE's ack of a command (the benchmark times fan-out with it).</summary>
    public Action<Guid>? Acked { get; set; }

    /// <summary>Called when a stop arrives (the benchmark times stops with it).</summary>
    public Action<Guid>? StopReceived { get; set; }

    /// <summary>Called once the portal has taken this EVSE's answer to a stop: its status report, idle (the benchmark's "ack").</summary>
    public Action<Guid>? StopConfirmed { get; set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await connection.StartAsync(cancellationToken);
        await HelloAsync();
        lastTick = time.GetUtcNow();
        timer = time.CreateTimer(_ => _ = TickAsync(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Drops the link as a network failure would (the EVSE keeps discharging until its fail-safe deadline).</summary>
    public Task DropLinkAsync() => connection.StopAsync();

    public async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        await connection.StartAsync(cancellationToken);
        await HelloAsync();
    }

    /// <summary>Plugs an EV in (or out, with null) and reports it.</summary>
    public async Task PlugAsync(VirtualEv? ev)
    {
        lock (gate)
        {
            Ev = ev;
            if (ev is null)
            {
                active = null;
                PowerKw = 0;
            }
        }

        await ReportAsync();
    }

    /// <summary>Advances the battery model by the time since the last tick and reports when due.</summary>
    public async Task TickAsync()
    {
        var now = time.GetUtcNow();
        var report = false;
        lock (gate)
        {
            var hours = (now - lastTick).TotalHours;
            lastTick = now;
            if (active is { } a)
            {
                if (now >= a.Until || now >= a.Deadline || Ev is null)
                {
                    active = null;
                    PowerKw = 0;
                    report = true;
                }
                else if (Ev is { } ev)
                {
                    ev.SocPercent = Math.Max(0, ev.SocPercent - (a.Kw * hours * batterySpeed / ev.BatteryKwh * 100));
                }
            }

            report |= now - lastStatus >= statusEvery;
        }

        if (report)
        {
            await ReportAsync();
        }
    }

    public async Task ReportAsync()
    {
        if (connection.State != HubConnectionState.Connected)
        {
            return;
        }

        StatusMessage status;
        lock (gate)
        {
            lastStatus = time.GetUtcNow();
            var power = active is null ? 0 : Misbehave.ReportPowerKw ?? PowerKw;
            // Discharge the car asked for (an EV-executed program) is measured here too, but its command is the car's.
            status = new StatusMessage(Ev is not null, ReadsVehicleIdentifier ? Ev?.Identifier : null, Ev is null ? null : Math.Round(Ev.SocPercent, 2), Ev?.J3072Capable ?? false, power,
                active is null ? EvseState.Idle : EvseState.Discharging, active is { ByEv: false } a ? a.Id : null);
        }

        try
        {
            await connection.InvokeAsync(nameof(EvseHub.Status), status);
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.SignalR.HubException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // The link dropped mid-report; the next report after reconnecting carries the state.
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

    private Task HelloAsync() =>
        connection.InvokeAsync(nameof(EvseHub.Hello), new HelloMessage(EvseHub.ProtocolVersion, "Kitu", "Virtual EVSE", "sim-1", maxDischargeKw, maxDischargeKw))
            .ContinueWith(_ => ReportAsync(), TaskScheduler.Default).Unwrap();

    private async Task OnDischargeAsync(DischargeCommandMessage command)
    {
        string? refusal = null;
        var duplicate = false;
        lock (gate)
        {
            Received.Add(command.CommandId);
            if (Misbehave.IgnoreCommands)
            {
                return;
            }

            if (!seen.Add(command.CommandId))
            {
                duplicate = true;
                if (active?.Id == command.CommandId && command.FailSafeDeadline > active.Value.Deadline)
                {
                    active = active.Value with { Deadline = command.FailSafeDeadline }; // a renewal, never a restart
                }
            }
            else
            {
                refusal = OwnChecks(command);
                if (refusal is null)
                {
                    var kw = Math.Min(command.Kw, maxDischargeKw);
                    active = (command.CommandId, kw, command.Until, command.FailSafeDeadline, false);
                    PowerKw = -kw;
                    Executions++;
                }
            }
        }

        if (refusal is not null)
        {
            await connection.InvokeAsync(nameof(EvseHub.Reject), command.CommandId, refusal);
            return;
        }

        await connection.InvokeAsync(nameof(EvseHub.Ack), command.CommandId);
        Acked?.Invoke(command.CommandId);
        if (!duplicate)
        {
            await ReportAsync();
        }
    }

    /// <summary>
    /// The plugged car asks to discharge for a command it received over its maker's telematics link (seed A.2.2).
    /// The EVSE applies the same checks as for its own commands — grid integration and rules, its owner's policy —
    /// and returns its reason when it cannot support discharge; a repeated command id only extends the deadline.
    /// </summary>
    public async Task<string?> EvRequestsDischargeAsync(VehicleCommandMessage command)
    {
        ArgumentNullException.ThrowIfNull(command);
        string? refusal;
        lock (gate)
        {
            if (active is { ByEv: true } running && running.Id == command.CommandId)
            {
                active = running with { Deadline = command.FailSafeDeadline > running.Deadline ? command.FailSafeDeadline : running.Deadline };
                return null;
            }

            refusal = Ev is null || !string.Equals(Ev.Identifier, command.VehicleIdentifier, StringComparison.OrdinalIgnoreCase)
                ? EvseRejectReasons.NoVehicle
                : OwnChecks(command.Kw);
            if (refusal is null)
            {
                var kw = Math.Min(command.Kw, maxDischargeKw);
                active = (command.CommandId, kw, command.Until, command.FailSafeDeadline, true);
                PowerKw = -kw;
            }
        }

        if (refusal is null)
        {
            await ReportAsync();
        }

        return refusal;
    }

    /// <summary>The car stops discharging for its command (its maker's link said stop, or it judged it not followed).</summary>
    public async Task EvStopsAsync(Guid commandId)
    {
        lock (gate)
        {
            if (active is not { ByEv: true } running || running.Id != commandId)
            {
                return;
            }

            active = null;
            PowerKw = 0;
        }

        await ReportAsync();
    }

    /// <summary>Why the EVSE last ended discharge a car was running through it (its reason code), if it did.</summary>
    public string? CarDischargeEndedBecause { get; private set; }

    /// <summary>The command the car is discharging for through this EVSE, with the power measured, if any.</summary>
    public (Guid CommandId, double PowerKw)? EvDischarge
    {
        get
        {
            lock (gate)
            {
                return active is { ByEv: true } a ? (a.Id, PowerKw) : null;
            }
        }
    }

    /// <summary>
    /// Discharge a car runs through this EVSE ends here when the grid's rules or the owner's policy stop allowing it:
    /// the EVSE enforces them whoever commands (the car then reports its command not followed).
    /// </summary>
    private async Task EnforceOnCarDischargeAsync()
    {
        lock (gate)
        {
            if (active is not { ByEv: true } running)
            {
                return;
            }

            active = null;
            var refusal = OwnChecks(running.Kw);
            if (refusal is null)
            {
                active = running;
                return;
            }

            PowerKw = 0;
            CarDischargeEndedBecause = refusal;
        }

        await ReportAsync();
    }

    /// <summary>The EVSE's own reasons to refuse (seed §2.6): it enforces the grid rules and its owner's policy itself.</summary>
    private string? OwnChecks(DischargeCommandMessage command) => Ev is null ? EvseRejectReasons.NoVehicle : OwnChecks(command.Kw);

    private string? OwnChecks(double commandKw)
    {
        if (active is not null)
        {
            return EvseRejectReasons.Busy;
        }

        if (Grid is not { Integrated: true } grid)
        {
            return EvseRejectReasons.NotGridIntegrated;
        }

        if (grid.Energize == false || grid.Connect == false || grid.ExportLimitKw <= 0 || commandKw > (grid.ExportLimitKw ?? double.MaxValue) + 1e-6)
        {
            return EvseRejectReasons.GridForbidsExport;
        }

        return Policy is { AllowDischarge: true } ? null : EvseRejectReasons.OwnerForbids;
    }

    private async Task OnStopAsync(StopMessage stop)
    {
        StopReceived?.Invoke(stop.CommandId);
        lock (gate)
        {
            Stops.Add((stop.CommandId, stop.Reason));
            if (active?.Id != stop.CommandId)
            {
                return;
            }

            active = null;
            PowerKw = 0;
        }

        await ReportAsync();
        StopConfirmed?.Invoke(stop.CommandId);
    }
}
