using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>What the gateway knows of a charger when its station connects.</summary>
public sealed record OcppCharger(Guid EvseId, string StationId, double RatedChargeKw, double RatedDischargeKw);

/// <summary>
/// One connected OCPP station as an <see cref="IEvseLink"/>: what it reports becomes the portal's EVSE status (power,
/// SoC, the car's identity as a claim), and the portal's decisions, stops and grid rules become OCPP 2.1 calls —
/// a charging profile with the V2X operation mode, charging-only mode, NotifyAllowedEnergyTransfer, Set/Clear/Get
/// DERControl. The portal's calls go out one at a time, in order. Mapping: docs/ocpp.md.
/// </summary>
public sealed partial class OcppStation : IEvseLink
{
    /// <summary>The id of the portal's charging profile on a station: one, replaced by each decision.</summary>
    public const int ProfileId = 7001;

    /// <summary>customData vendorId of what the portal adds to OCPP messages (the command id on a profile).</summary>
    public const string VendorId = "com.kitu.v2x";

    private readonly OcppSession session;
    private readonly OcppCharger charger;
    private readonly OcppStationState state;
    private readonly EvseConnections connections;
    private readonly EvseReports reports;
    private readonly CommandInbox inbox;
    private readonly GridClientWorker grid;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Channel<Func<Task>> outbox = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly LiveEvse live;
    private bool ownerAllows;
    private int requestIds;

    /// <summary>
    /// For each DER control this link set: the last request id sent when the station accepted it. A report answers one
    /// GetDERControl; a control set after that request was sent is not in it, and is not missing (under gate).
    /// </summary>
    private readonly Dictionary<string, int> derSetAt = new(StringComparer.Ordinal);
    private readonly StationCertificateIssuer certificates;

    /// <summary>The parts so far of a DER report that comes in several (tbc), by request id (under gate).</summary>
    private readonly Dictionary<int, HashSet<string>> derReportParts = [];
    private int signing;
    private DateTimeOffset? renewalAsked; // the last time the station was asked to renew its certificate (on its own calls' thread)

    public OcppStation(OcppSession session, OcppCharger charger, OcppStationState state, EvseConnections connections, EvseReports reports,
        CommandInbox inbox, GridClientWorker grid, StationCertificateIssuer certificates, TimeProvider time, ILogger logger)
    {
        this.certificates = certificates;
        this.session = session;
        this.charger = charger;
        this.state = state;
        this.connections = connections;
        this.reports = reports;
        this.inbox = inbox;
        this.grid = grid;
        this.time = time;
        this.logger = logger;
        ConnectionId = $"ocpp:{charger.StationId}:{Guid.NewGuid():N}";
        live = new LiveEvse(charger.EvseId, this, time.GetUtcNow());
    }

    public string ConnectionId { get; }

    public string Transport => session.Version == OcppVersion.V21 ? "ocpp2.1" : "ocpp2.0.1";

    /// <summary>
    /// OCPP 2.0.1 has no V2X, and a 2.1 station may report V2X off or without central setpoints (its device model):
    /// such a station charges only.
    /// </summary>
    public bool CarriesDischarge => session.Version == OcppVersion.V21 && state.V2xUsable != false;

    public bool IsLocal => true;

    /// <summary>The version can carry V2X and DER controls at all (2.1).</summary>
    private bool SpeaksV2x => session.Version == OcppVersion.V21;

    /// <summary>Registers the link, asks the station what it is doing, and serves it until it goes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        live.Hello = Hello();
        lock (state.Gate)
        {
            state.CertificateEnds = CertificateEnds;
        }

        connections.Add(live); // its grid rules and owner's policy follow (EvseLinkMessages)
        var sending = Task.Run(() => SendLoopAsync(session.Closed), CancellationToken.None);
        try
        {
            await grid.UpdateCapabilitiesAsync(charger.EvseId, Capabilities(), null, null, cancellationToken);
            Enqueue(AskForMeterValuesAsync);
            Enqueue(() => TriggerAsync("StatusNotification"));
            Enqueue(() => TriggerAsync("TransactionEvent"));
            Report(); // what was known from its last connection, until it answers
            await session.RunAsync((action, payload) => Task.FromResult(Handle(action, payload)), cancellationToken);
        }
        finally
        {
            outbox.Writer.TryComplete();
            reports.Gone(charger.EvseId, ConnectionId);
            await sending;
        }
    }

    public void Abort() => _ = session.CloseAsync(WebSocketCloseStatus.PolicyViolation, "Replaced by a newer connection of the same station.");

    public Task DischargeAsync(DischargeCommandMessage command)
    {
        ArgumentNullException.ThrowIfNull(command);
        Enqueue(() => SendDischargeAsync(command));
        return Task.CompletedTask;
    }

    public Task StopAsync(StopMessage stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        Enqueue(() => SendStopAsync(stop));
        return Task.CompletedTask;
    }

    public Task GridRulesAsync(GridRulesMessage rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (SpeaksV2x)
        {
            // The defaults and each event apart when the grid layer gives them (the station then runs the schedule by
            // itself); else the functions in force as they stand.
            var wanted = rules.Defaults is { } defaults
                ? OcppDerControls.For(defaults, rules.Schedule ?? [], time.GetUtcNow())
                : OcppDerControls.For(rules.Functions ?? new Ieee1547Functions { Energize = rules.Energize, Connect = rules.Connect }, rules.Controls);
            Enqueue(() => SendDerControlsAsync(wanted));
        }

        return Task.CompletedTask;
    }

    public Task OwnerPolicyAsync(OwnerPolicyMessage policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ownerAllows = policy.AllowDischarge;
        Enqueue(SendAllowedTransferAsync);
        return Task.CompletedTask;
    }

    /// <summary>A station runs no 2030.5 client of its own through the portal: the portal's client speaks for it.</summary>
    public Task GridServerAsync(GridServerMessage server) => Task.CompletedTask;

    private Task TriggerAsync(string message) => CallAsync("TriggerMessage", new JsonObject
    {
        ["requestedMessage"] = message,
        ["evse"] = new JsonObject { ["id"] = state.EvseNumber },
    });

    /// <summary>A call whose failure is logged, not thrown: the result, or null.</summary>
    private async Task<JsonElement?> CallAsync(string action, JsonObject payload)
    {
        try
        {
            return await session.CallAsync(action, payload, session.Closed);
        }
        catch (OcppCallFailed failed)
        {
            LogCallFailed(charger.StationId, action, failed.Code, failed.Message);
            return null;
        }
    }

    private void Enqueue(Func<Task> work) => outbox.Writer.TryWrite(work);

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var work in outbox.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await work();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSendFailed(ex, charger.StationId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The link closed.
        }
    }

    /// <summary>The station's state as the portal's status report: what the mediator, the grid layer and the pages read.</summary>
    private void Report()
    {
        StatusMessage status;
        lock (state.Gate)
        {
            var discharge = state.Discharge is { } d && d.ValidTo > time.GetUtcNow() ? d : null;
            var faulted = state.ConnectorStatus == "Faulted";
            status = new StatusMessage(
                state.Plugged,
                state.Plugged ? state.VehicleIdentifier : null,
                state.SocPercent,
                J3072Capable: state.CarModes.Contains("AC_BPT_DER", StringComparer.Ordinal),
                PowerKw: state.PowerKw,
                State: faulted ? EvseState.Faulted : state.PowerKw < -0.05 ? EvseState.Discharging : state.PowerKw > 0.05 ? EvseState.Charging : EvseState.Idle,
                CommandId: discharge?.CommandId);
        }

        live.Station = state.Facts(); // before the status: whoever hears of the status finds the facts with it
        reports.Status(live, status);
    }

    private HelloMessage Hello()
    {
        lock (state.Gate)
        {
            return new HelloMessage(0, state.Vendor, state.Model, state.Firmware, charger.RatedChargeKw, CarriesDischarge ? charger.RatedDischargeKw : 0);
        }
    }

    private static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(LogLevel.Warning, "OCPP station {Station}: {Action} failed ({Code}): {Message}")]
    private partial void LogCallFailed(string station, string action, string code, string message);

    [LoggerMessage(LogLevel.Warning, "OCPP station {Station} raised a DER alarm on {ControlType} ({Fault}), ended {Ended}")]
    private partial void LogDerAlarm(string station, string controlType, string fault, bool ended);

    [LoggerMessage(LogLevel.Warning, "OCPP station {Station} does not hold the DER controls {Missing} the portal set: they are set again")]
    private partial void LogDerMissing(string station, string missing);

    [LoggerMessage(LogLevel.Warning, "OCPP station {Station} did not take the DER control {ControlType}: {Status}")]
    private partial void LogDerRefused(string station, string controlType, string status);

    [LoggerMessage(LogLevel.Information, "OCPP station {Station} reported security event {Type}")]
    private partial void LogSecurityEvent(string station, string type);

    [LoggerMessage(LogLevel.Error, "Sending to OCPP station {Station} failed")]
    private partial void LogSendFailed(Exception ex, string station);
}
