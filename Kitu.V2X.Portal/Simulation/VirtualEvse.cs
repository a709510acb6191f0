using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Hubs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// A virtual EVSE with an optional EV: a real SignalR client over the network that says hello, reports status,
/// executes discharge commands with its own checks (grid rules, owner policy, a plugged vehicle), moves the EV's SoC
/// with the power, drops duplicate commands, and stops by itself at the fail-safe deadline or the command's end. Its
/// inverter applies every IEEE 1547 function in force at a simulated grid voltage and frequency
/// (<see cref="SimulatedInverter"/>), which it reports.
/// </summary>
public sealed partial class VirtualEvse : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly HubConnection connection;
    private readonly TimeProvider time;
    private readonly TimeSpan statusEvery;
    private readonly double maxDischargeKw;
    private readonly double batterySpeed;
    private readonly HashSet<Guid> seen = [];
    private readonly SimulatedInverter inverter;
    private ITimer? timer;
    private DateTimeOffset lastTick;
    private DateTimeOffset lastStatus;
    private (Guid Id, double Kw, DateTimeOffset Until, DateTimeOffset Deadline, bool ByEv)? active;
    private readonly ResidentGridClient? gridClient;

    /// <summary>
    /// How long it keeps a link it hears nothing from (SignalR's 30 s by default): longer for a charger whose portal
    /// sets a longer <c>Evse:ClientTimeoutSeconds</c>, as the benchmark's load on an overloaded machine does.
    /// </summary>
    public TimeSpan ServerTimeout
    {
        get => connection.ServerTimeout;
        set => connection.ServerTimeout = value;
    }

    /// <param name="messagePack">Speak the MessagePack hub protocol instead of JSON (both are served; docs/evse-protocol.md).</param>
    /// <param name="validateServer">For an https portal with a certificate the machine does not trust (the benchmark's own).</param>
    /// <param name="reconnect">How it comes back after losing the portal; a real charger's back-off (<see cref="ReconnectBackOff.Charger"/>) unless a test needs it quicker.</param>
    public VirtualEvse(Guid evseId, string secret, Uri portal, double maxDischargeKw, VirtualEv? ev, TimeProvider time, TimeSpan statusEvery, double batterySpeed = 1, bool messagePack = false,
        System.Net.Security.RemoteCertificateValidationCallback? validateServer = null, IRetryPolicy? reconnect = null)
    {
        this.batterySpeed = batterySpeed;
        EvseId = evseId;
        Ev = ev;
        this.time = time;
        this.statusEvery = statusEvery;
        this.maxDischargeKw = maxDischargeKw;
        inverter = new SimulatedInverter(maxDischargeKw);
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(portal, EvseHub.Path), HttpTransportType.WebSockets, o =>
            {
                o.Headers["Authorization"] = EvseKeyAuthentication.Header(evseId, secret);
                o.SkipNegotiation = true;
                o.WebSocketFactory = ConnectTimeout.Factory(ConnectTimeout.Charger);
                if (validateServer is not null)
                {
                    o.WebSocketConfiguration = ws => ws.RemoteCertificateValidationCallback = validateServer;
                }
            })
            .WithAutomaticReconnect(reconnect ?? ReconnectBackOff.Charger);
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        connection = builder.Build();
        connection.On<GridRulesMessage>(nameof(IEvseClient.GridRules), r =>
        {
            lock (gate)
            {
                GridReceived.Add(r);
                if (GridClient is not null)
                {
                    return Task.CompletedTask; // it applies the rules its own 2030.5 client reads, not the portal's view of them
                }

                Grid = r;
                inverter.Apply(r.Functions ?? new Ieee1547Functions { Energize = r.Energize, Connect = r.Connect }, time.GetUtcNow());
                ApplyCap(time.GetUtcNow());
            }

            return EnforceOnCarDischargeAsync();
        });
        connection.On<OwnerPolicyMessage>(nameof(IEvseClient.OwnerPolicy), p =>
        {
            Policy = p;
            return EnforceOnCarDischargeAsync();
        });
        connection.On<GridServerMessage>(nameof(IEvseClient.GridServer), m => GridClient?.UseAsync(m) ?? Task.CompletedTask);
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

    /// <summary>Every grid-rules message received, in order (tests check what the EVSE was told and when).</summary>
    public List<GridRulesMessage> GridReceived { get; } = [];

    /// <summary>The grid as the EVSE measures it (set the voltage or frequency to see volt-watt, trips… act).</summary>
    public SimulatedInverter Inverter => inverter;

    /// <summary>The last time the inverter held a running discharge below its command (the grid's functions), the kW it held it to.</summary>
    public double? HeldToKw { get; private set; }

    /// <summary>Reactive power, kvar (positive = injecting), from the reactive-power function in force.</summary>
    public double ReactiveKvar { get; private set; }

    /// <summary>The functions this EVSE says it applies (every IEEE 1547 function of 2030.5 unless told otherwise).</summary>
    public IReadOnlyList<string> GridFunctions { get; init; } = DerFunctions.Names(DerControlModes.AllIeee1547);

    /// <summary>
    /// The charger's own 2030.5 client (protocol 3, "resident"): it declares it in its hello, the portal tells it the
    /// server its owner chose, and it applies and reports the rules that client reads. Null: the portal runs a client for it.
    /// </summary>
    public ResidentGridClient? GridClient
    {
        get => gridClient;
        init
        {
            gridClient = value;
            if (value is not null)
            {
                value.RulesRead = OnOwnRulesAsync;
            }
        }
    }

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
                    ev.SocPercent = Math.Max(0, ev.SocPercent - (-PowerKw * hours * batterySpeed / ev.BatteryKwh * 100));
                }
            }

            report |= ApplyCap(now);

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
                active is null ? EvseState.Idle : EvseState.Discharging, active is { ByEv: false } a ? a.Id : null,
                Math.Round(inverter.VoltageV, 1), Math.Round(inverter.FrequencyHz, 3), ReactiveKvar, inverter.Tripped, inverter.StateAt(time.GetUtcNow()));
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
        if (gridClient is not null)
        {
            await gridClient.DisposeAsync();
        }

        if (timer is not null)
        {
            await timer.DisposeAsync();
        }

        await connection.DisposeAsync();
    }

    private Task HelloAsync() =>
        connection.InvokeAsync(nameof(EvseHub.Hello), new HelloMessage(EvseHub.ProtocolVersion, "Kitu", "Virtual EVSE", "sim-2", maxDischargeKw, maxDischargeKw, GridFunctions, inverter.NominalVoltageV, 100,
                gridClient is null ? null : HelloMessage.ResidentClient, gridClient?.Identity.Lfdi, gridClient?.Identity.Sfdi))
            .ContinueWith(_ => ReportAsync(), TaskScheduler.Default).Unwrap();

    /// <summary>Its own 2030.5 client read the server (or an event boundary passed): apply the rules, then report them.</summary>
    private async Task OnOwnRulesAsync(GridRules rules)
    {
        var message = GridRulesMessage.From(rules);
        lock (gate)
        {
            Grid = message;
            inverter.Apply(message.Functions ?? new Ieee1547Functions { Energize = message.Energize, Connect = message.Connect }, time.GetUtcNow());
            ApplyCap(time.GetUtcNow());
        }

        await EnforceOnCarDischargeAsync();
        if (connection.State != HubConnectionState.Connected || gridClient is null)
        {
            return;
        }

        try
        {
            await connection.InvokeAsync(nameof(EvseHub.GridReport), GridReportMessage.From(rules, gridClient.Identity, gridClient.PollInterval));
            GridReportsSent++;
        }
        catch (Exception ex) when (ex is Microsoft.AspNetCore.SignalR.HubException or InvalidOperationException or IOException or OperationCanceledException)
        {
            // The link dropped, or the portal refused the report: the next read reports again.
        }
    }

    /// <summary>How many grid reports its own client's readings made (tests).</summary>
    public int GridReportsSent { get; private set; }

    private async Task OnDischargeAsync(DischargeCommandMessage command)
    {
        string? refusal = null;
        lock (gate)
        {
            Received.Add(command.CommandId);
            if (Misbehave.IgnoreCommands)
            {
                return;
            }

            if (!seen.Add(command.CommandId))
            {
                if (active is { } running && running.Id == command.CommandId)
                {
                    // A renewal, never a restart: a later deadline, and the power the grid's functions allow now.
                    active = running with { Deadline = command.FailSafeDeadline > running.Deadline ? command.FailSafeDeadline : running.Deadline, Kw = Math.Min(command.Kw, maxDischargeKw) };
                    ApplyCap(time.GetUtcNow());
                }
            }
            else
            {
                refusal = OwnChecks(command);
                if (refusal is null)
                {
                    var kw = Math.Min(command.Kw, maxDischargeKw);
                    active = (command.CommandId, kw, command.Until, command.FailSafeDeadline, false);
                    ApplyCap(time.GetUtcNow());
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
        await ReportAsync(); // a new command, or a renewal that may change the power
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
