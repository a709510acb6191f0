using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
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

    public OcppStation(OcppSession session, OcppCharger charger, OcppStationState state, EvseConnections connections, EvseReports reports,
        CommandInbox inbox, GridClientWorker grid, TimeProvider time, ILogger logger)
    {
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

    /// <summary>The version can carry V2X and DER controls at all (2.1).</summary>
    private bool SpeaksV2x => session.Version == OcppVersion.V21;

    /// <summary>Registers the link, asks the station what it is doing, and serves it until it goes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        live.Hello = Hello();
        connections.Add(live); // its grid rules and owner's policy follow (EvseLinkMessages)
        var sending = Task.Run(() => SendLoopAsync(session.Closed), CancellationToken.None);
        try
        {
            await grid.UpdateCapabilitiesAsync(charger.EvseId, Capabilities(), null, null, cancellationToken);
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
            var functions = rules.Functions ?? new Ieee1547Functions { Energize = rules.Energize, Connect = rules.Connect };
            Enqueue(() => SendDerControlsAsync(functions, rules.Controls));
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

    // ---- Station → portal ----

    private JsonObject Handle(string action, JsonElement payload)
    {
        live.LastSeen = time.GetUtcNow();
        var now = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        switch (action)
        {
            case "BootNotification":
                var station = payload.GetProperty("chargingStation");
                lock (state.Gate)
                {
                    state.Vendor = Text(station, "vendorName");
                    state.Model = Text(station, "model");
                    state.Firmware = Text(station, "firmwareVersion");
                }

                live.Hello = Hello();
                if (SpeaksV2x)
                {
                    // What it can do: its device model (V2XChargingCtrlr) comes back as NotifyReport.
                    Enqueue(() => CallAsync("GetBaseReport", new JsonObject { ["requestId"] = Interlocked.Increment(ref requestIds), ["reportBase"] = "FullInventory" }));
                }

                return new JsonObject { ["currentTime"] = now, ["interval"] = 300, ["status"] = "Accepted" };
            case "Heartbeat":
                return new JsonObject { ["currentTime"] = now };
            case "StatusNotification":
                lock (state.Gate)
                {
                    state.ConnectorStatus = payload.GetProperty("connectorStatus").GetString();
                    state.EvseNumber = payload.GetProperty("evseId").GetInt32() is > 0 and var n ? n : state.EvseNumber;
                    if (state.ConnectorStatus == "Available")
                    {
                        state.TransactionId = null;
                        state.VehicleIdentifier = null;
                        state.PowerKw = 0;
                        state.Discharge = null;
                    }
                }

                Report();
                return [];
            case "Authorize":
                // Charging itself is the operator's business, not the portal's: the token is accepted; a contract id
                // (ISO 15118) only says which car it may be, as a claim.
                return new JsonObject { ["idTokenInfo"] = new JsonObject { ["status"] = "Accepted" } };
            case "TransactionEvent":
                return TakeTransaction(payload);
            case "MeterValues":
                lock (state.Gate)
                {
                    TakeMeterValues(payload);
                }

                Report();
                return [];
            case "NotifyEVChargingNeeds":
                TakeChargingNeeds(payload);
                Enqueue(SendAllowedTransferAsync);
                Enqueue(SendChargingOnlyUnlessDischargingAsync);
                return new JsonObject { ["status"] = "Accepted" };
            case "NotifyEVChargingSchedule":
                return new JsonObject { ["status"] = "Accepted" };
            case "NotifyReport":
                TakeReport(payload);
                return [];
            case "NotifyDERStartStop" or "NotifyEvent" or "NotifyMonitoringReport" or "FirmwareStatusNotification"
                or "LogStatusNotification" or "NotifyCustomerInformation" or "NotifyDisplayMessages" or "NotifyChargingLimit"
                or "ClearedChargingLimit" or "ReportChargingProfiles" or "NotifyPriorityCharging" or "NotifySettlement" or "NotifyQRCodeScanned"
                or "NotifyPeriodicEventStream" or "OpenPeriodicEventStream" or "ClosePeriodicEventStream" or "BatterySwap" or "PullDynamicScheduleUpdate"
                or "VatNumberValidation" or "PublishFirmwareStatusNotification" or "NotifyWebPaymentStarted" or "GetCertificateChainStatus" or "Get15118EVCertificate"
                or "GetCertificateStatus" or "SignCertificate" or "GetTransactionStatus" or "DataTransfer" or "ReservationStatusUpdate" or "NotifyAllowedEnergyTransfer":
                return Acknowledge(action);
            case "NotifyDERAlarm":
                var alarm = new OcppDerAlarm(
                    time.GetUtcNow(),
                    payload.GetProperty("controlType").GetString()!,
                    Text(payload, "gridEventFault"),
                    payload.TryGetProperty("alarmEnded", out var ended) && ended.GetBoolean(),
                    Text(payload, "extraInfo"));
                state.Alarm(alarm);
                LogDerAlarm(charger.StationId, alarm.ControlType, alarm.GridEventFault ?? "-", alarm.Ended);
                Report();
                return [];
            case "ReportDERControl":
                TakeDerReport(payload);
                return [];
            case "SecurityEventNotification":
                LogSecurityEvent(charger.StationId, Text(payload, "type") ?? "?");
                return [];
            default:
                throw new OcppCallError("NotSupported", $"The portal does not take {action}.");
        }
    }

    /// <summary>Messages the portal hears but keeps nothing of: an answer their schema allows, or NotSupported.</summary>
    private static JsonObject Acknowledge(string action) => action switch
    {
        "NotifyReport" or "NotifyDERStartStop" or "NotifyEvent" or "NotifyMonitoringReport" or "FirmwareStatusNotification" or "LogStatusNotification"
            or "NotifyCustomerInformation" or "NotifyDisplayMessages" or "NotifyChargingLimit" or "ClearedChargingLimit" or "ReportChargingProfiles"
            or "NotifyPriorityCharging" or "NotifySettlement" or "NotifyQRCodeScanned" or "NotifyPeriodicEventStream" or "PublishFirmwareStatusNotification"
            or "NotifyWebPaymentStarted" or "ReservationStatusUpdate" => [],
        _ => throw new OcppCallError("NotSupported", $"The portal does not take {action}."),
    };

    private JsonObject TakeTransaction(JsonElement payload)
    {
        var info = payload.GetProperty("transactionInfo");
        var eventType = payload.GetProperty("eventType").GetString();
        string? vehicle = null;
        if (payload.TryGetProperty("idToken", out var token) && Text(token, "type") is "eMAID" or "EVCCID" or "MacAddress")
        {
            vehicle = Text(token, "idToken"); // ISO 15118 contract id or EVCCID: the car's identity, as a claim
        }

        lock (state.Gate)
        {
            if (payload.TryGetProperty("evse", out var evse) && evse.GetProperty("id").GetInt32() > 0)
            {
                state.EvseNumber = evse.GetProperty("id").GetInt32();
            }

            if (eventType == "Ended")
            {
                state.TransactionId = null;
                state.VehicleIdentifier = null;
                state.PowerKw = 0;
                state.Discharge = null; // a profile of the transaction ends with it
                state.CarModes = [];
            }
            else
            {
                state.TransactionId = info.GetProperty("transactionId").GetString();
                state.VehicleIdentifier = vehicle ?? state.VehicleIdentifier;
                state.OperationMode = Text(info, "operationMode") ?? state.OperationMode;
                TakeMeterValues(payload);
            }
        }

        Report();
        return payload.TryGetProperty("idToken", out _) ? new JsonObject { ["idTokenInfo"] = new JsonObject { ["status"] = "Accepted" } } : [];
    }

    /// <summary>Net active power (import − export, kW) and the car's SoC from the meter values, when given. Under the state's lock.</summary>
    private void TakeMeterValues(JsonElement payload)
    {
        if (!payload.TryGetProperty("meterValue", out var values))
        {
            return;
        }

        double? import = null, export = null;
        foreach (var value in values.EnumerateArray())
        {
            foreach (var sample in value.GetProperty("sampledValue").EnumerateArray())
            {
                var measurand = Text(sample, "measurand") ?? "Energy.Active.Import.Register";
                if (sample.TryGetProperty("phase", out _))
                {
                    continue; // the sum of all phases is what counts
                }

                var v = sample.GetProperty("value").GetDouble() * Scale(sample);
                switch (measurand)
                {
                    case "Power.Active.Import":
                        import = v;
                        break;
                    case "Power.Active.Export":
                        export = v;
                        break;
                    case "SoC" when v is >= 0 and <= 100:
                        state.SocPercent = v;
                        break;
                }
            }
        }

        if (import is not null || export is not null)
        {
            state.PowerKw = Math.Clamp(((import ?? 0) - (export ?? 0)) / 1000, -1_000, 1_000);
        }
    }

    /// <summary>W per unit of a sampled value: W by default, kW, with its power-of-ten multiplier.</summary>
    private static double Scale(JsonElement sample)
    {
        if (!sample.TryGetProperty("unitOfMeasure", out var unit))
        {
            return 1;
        }

        var multiplier = unit.TryGetProperty("multiplier", out var m) ? Math.Clamp(m.GetInt32(), -6, 6) : 0;
        var kilo = Text(unit, "unit") is "kW" ? 1000 : 1;
        return kilo * Math.Pow(10, multiplier);
    }

    private void TakeChargingNeeds(JsonElement payload)
    {
        var needs = payload.GetProperty("chargingNeeds");
        lock (state.Gate)
        {
            var modes = new List<string> { needs.GetProperty("requestedEnergyTransfer").GetString()! };
            if (needs.TryGetProperty("availableEnergyTransfer", out var available))
            {
                modes.AddRange(available.EnumerateArray().Select(m => m.GetString()!));
            }

            state.CarModes = [.. modes.Distinct(StringComparer.Ordinal)];
            if (needs.TryGetProperty("dcChargingParameters", out var dc) && dc.TryGetProperty("stateOfCharge", out var soc))
            {
                state.SocPercent = soc.GetInt32();
            }

            state.EvseNumber = payload.GetProperty("evseId").GetInt32() is > 0 and var n ? n : state.EvseNumber;
        }

        Report();
    }

    /// <summary>The V2X controller's variables of the station's device model: whether it can follow a discharge profile.</summary>
    private void TakeReport(JsonElement payload)
    {
        if (!payload.TryGetProperty("reportData", out var data))
        {
            return;
        }

        bool? enabled = null, centralSetpoint = null;
        foreach (var item in data.EnumerateArray())
        {
            if (Text(item.GetProperty("component"), "name") != "V2XChargingCtrlr")
            {
                continue;
            }

            var actual = item.GetProperty("variableAttribute").EnumerateArray()
                .FirstOrDefault(a => (Text(a, "type") ?? "Actual") == "Actual");
            var value = actual.ValueKind == JsonValueKind.Object ? Text(actual, "value") : null;
            switch (Text(item.GetProperty("variable"), "name"))
            {
                case "Enabled" when value is not null:
                    enabled = (enabled ?? true) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
                    break;
                case "SupportedOperationModes" when value is not null:
                    centralSetpoint = (centralSetpoint ?? true) && value.Contains("CentralSetpoint", StringComparison.Ordinal);
                    break;
            }
        }

        if (enabled is null && centralSetpoint is null)
        {
            return;
        }

        bool changed;
        lock (state.Gate)
        {
            var usable = enabled != false && centralSetpoint != false;
            changed = state.V2xUsable != usable;
            state.V2xUsable = usable;
        }

        if (changed)
        {
            live.Hello = Hello();
            Report(); // what a decision depends on changed
        }
    }

    private void TakeDerReport(JsonElement payload)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in payload.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
        {
            foreach (var control in property.Value.EnumerateArray())
            {
                if (Text(control, "id") is { } id)
                {
                    held.Add(id);
                }
            }
        }

        lock (state.Gate)
        {
            state.DerMissing = [.. state.DerHeld.Keys.Where(id => !held.Contains(id))];
            if (state.DerMissing.Count > 0)
            {
                LogDerMissing(charger.StationId, string.Join(", ", state.DerMissing));
                foreach (var missing in state.DerMissing)
                {
                    state.DerHeld.Remove(missing); // set again with the next grid rules
                }
            }
        }
    }

    // ---- Portal → station ----

    private async Task SendDischargeAsync(DischargeCommandMessage command)
    {
        string? transaction;
        int evseNumber;
        lock (state.Gate)
        {
            (transaction, evseNumber) = (state.TransactionId, state.EvseNumber);
        }

        if (!CarriesDischarge || transaction is null)
        {
            inbox.Reject(ProgramExecutor.Evse, charger.EvseId, command.CommandId, CarriesDischarge ? EvseRejectReasons.NoVehicle : "evse.link_without_v2x");
            return;
        }

        var w = Math.Round(command.Kw * 1000);
        var period = new JsonObject
        {
            ["startPeriod"] = 0,
            ["operationMode"] = "CentralSetpoint",
            ["setpoint"] = -w,
            ["dischargeLimit"] = -w,
        };
        var answer = await CallAsync("SetChargingProfile", Profile(evseNumber, transaction, command.FailSafeDeadline, command.Until, period, command.CommandId));
        if (answer is { } a && Text(a, "status") == "Accepted")
        {
            lock (state.Gate)
            {
                state.Discharge = new OcppDischarge(command.CommandId, command.Kw, command.FailSafeDeadline);
            }

            inbox.Ack(ProgramExecutor.Evse, charger.EvseId, command.CommandId);
            Report();
        }
        else
        {
            var why = answer is { } r && r.TryGetProperty("statusInfo", out var info) ? Text(info, "reasonCode") : null;
            inbox.Reject(ProgramExecutor.Evse, charger.EvseId, command.CommandId, answer is null ? "ocpp.no_answer" : $"ocpp.rejected{(why is null ? "" : ":" + why)}");
        }
    }

    private async Task SendStopAsync(StopMessage stop)
    {
        lock (state.Gate)
        {
            if (state.Discharge?.CommandId != stop.CommandId)
            {
                return; // not (or no longer) running here
            }

            state.Discharge = null;
        }

        Report();
        await SendChargingOnlyUnlessDischargingAsync();
    }

    /// <summary>The refusal or stop as a profile: charging only, at most the rated charge power.</summary>
    private async Task SendChargingOnlyUnlessDischargingAsync()
    {
        string? transaction;
        int evseNumber;
        lock (state.Gate)
        {
            if (state.Discharge is not null || state.TransactionId is null || !SpeaksV2x)
            {
                return;
            }

            (transaction, evseNumber) = (state.TransactionId, state.EvseNumber);
        }

        var period = new JsonObject { ["startPeriod"] = 0, ["operationMode"] = "ChargingOnly", ["limit"] = Math.Round(charger.RatedChargeKw * 1000) };
        await CallAsync("SetChargingProfile", Profile(evseNumber, transaction, null, null, period, null));
    }

    private async Task SendAllowedTransferAsync()
    {
        string? transaction;
        IReadOnlyList<string> modes;
        lock (state.Gate)
        {
            (transaction, modes) = (state.TransactionId, state.CarModes);
        }

        if (!SpeaksV2x || transaction is null || modes.Count == 0)
        {
            return;
        }

        // Bidirectional transfer only when the owner allows discharge on this charger (the agreement decides each event).
        var allowed = modes.Where(m => (ownerAllows && CarriesDischarge) || !m.Contains("BPT", StringComparison.Ordinal)).ToList();
        if (allowed.Count == 0)
        {
            allowed.Add(modes[0].StartsWith("DC", StringComparison.Ordinal) ? "DC" : "AC_three_phase");
        }

        await CallAsync("NotifyAllowedEnergyTransfer", new JsonObject
        {
            ["transactionId"] = transaction,
            ["allowedEnergyTransfer"] = new JsonArray([.. allowed.Select(m => (JsonNode)m)]),
        });
    }

    /// <summary>Sets what changed of the DER controls in force, clears those no longer in force, then asks what the station holds.</summary>
    private async Task SendDerControlsAsync(Ieee1547Functions functions, IReadOnlyList<Domain.GridSecurity.GridControlInForce>? sources)
    {
        var wanted = OcppDerControls.For(functions, sources);
        List<OcppDerControl> toSet;
        List<(string Id, bool IsDefault)> toClear;
        lock (state.Gate)
        {
            toSet = [.. wanted.Where(c => !state.DerNotSupported.Contains(c.ControlType) && (!state.DerHeld.TryGetValue(c.ControlId, out var held) || held != c.Request.ToJsonString()))];
            toClear = [.. state.DerHeld.Keys.Where(id => wanted.All(c => c.ControlId != id)).Select(id => (id, id.StartsWith("kitu-default-", StringComparison.Ordinal)))];
        }

        foreach (var control in toSet)
        {
            var answer = await CallAsync("SetDERControl", control.Request);
            var status = answer is { } a ? Text(a, "status") : null;
            lock (state.Gate)
            {
                if (status == "Accepted")
                {
                    state.DerHeld[control.ControlId] = control.Request.ToJsonString();
                }
                else if (status == "NotSupported")
                {
                    state.DerNotSupported.Add(control.ControlType);
                }
            }

            if (status != "Accepted")
            {
                LogDerRefused(charger.StationId, control.ControlType, status ?? "no answer");
                if (status == "NotSupported")
                {
                    await grid.UpdateCapabilitiesAsync(charger.EvseId, Capabilities(), null, null, session.Closed);
                }
            }
        }

        foreach (var (id, isDefault) in toClear)
        {
            var answer = await CallAsync("ClearDERControl", new JsonObject { ["isDefault"] = isDefault, ["controlId"] = id });
            if (answer is { } a && Text(a, "status") is "Accepted" or "NotFound")
            {
                lock (state.Gate)
                {
                    state.DerHeld.Remove(id);
                }
            }
        }

        if (toSet.Count > 0 || toClear.Count > 0)
        {
            await CallAsync("GetDERControl", new JsonObject { ["requestId"] = Interlocked.Increment(ref requestIds) });
        }
    }

    private Task TriggerAsync(string message) => CallAsync("TriggerMessage", new JsonObject
    {
        ["requestedMessage"] = message,
        ["evse"] = new JsonObject { ["id"] = state.EvseNumber },
    });

    private JsonObject Profile(int evseNumber, string transaction, DateTimeOffset? validTo, DateTimeOffset? until, JsonObject period, Guid? commandId)
    {
        var now = time.GetUtcNow();
        var schedule = new JsonObject
        {
            ["id"] = 1,
            ["chargingRateUnit"] = "W",
            ["startSchedule"] = Iso(now),
            ["chargingSchedulePeriod"] = new JsonArray(period),
        };
        if (until is { } end && end > now)
        {
            schedule["duration"] = (int)Math.Ceiling((end - now).TotalSeconds);
        }

        var profile = new JsonObject
        {
            ["id"] = ProfileId,
            ["stackLevel"] = 1,
            ["chargingProfilePurpose"] = "TxProfile",
            ["chargingProfileKind"] = "Absolute",
            ["transactionId"] = transaction,
            ["chargingSchedule"] = new JsonArray(schedule),
        };
        if (validTo is { } deadline)
        {
            profile["validTo"] = Iso(deadline); // the fail-safe deadline: without a renewal the station falls back by itself
        }

        if (commandId is { } id)
        {
            profile["customData"] = new JsonObject { ["vendorId"] = VendorId, ["commandId"] = id.ToString("D") };
        }

        return new JsonObject { ["evseId"] = evseNumber, ["chargingProfile"] = profile };
    }

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

        reports.Status(live, status);
    }

    private HelloMessage Hello()
    {
        lock (state.Gate)
        {
            return new HelloMessage(0, state.Vendor, state.Model, state.Firmware, charger.RatedChargeKw, CarriesDischarge ? charger.RatedDischargeKw : 0);
        }
    }

    /// <summary>What this station applies of IEEE 1547, as 2030.5 modes for its DERCapability: what OCPP 2.1 carries, less what it said it does not support.</summary>
    private DerControlModes Capabilities()
    {
        if (!SpeaksV2x)
        {
            return DerControlModes.Basic;
        }

        var names = new List<string> { "opModConnect", "opModEnergize", "opModMaxLimW" };
        lock (state.Gate)
        {
            foreach (var (type, name) in new[]
            {
                ("FixedPFAbsorb", "opModFixedPFAbsorbW"), ("FixedPFInject", "opModFixedPFInjectW"), ("FixedVar", "opModFixedVar"),
                ("FreqDroop", "opModFreqDroop"), ("FreqWatt", "opModFreqWatt"), ("HFMayTrip", "opModHFRTMayTrip"), ("HFMustTrip", "opModHFRTMustTrip"),
                ("HVMayTrip", "opModHVRTMayTrip"), ("HVMomCess", "opModHVRTMomentaryCessation"), ("HVMustTrip", "opModHVRTMustTrip"),
                ("LFMustTrip", "opModLFRTMustTrip"), ("LVMayTrip", "opModLVRTMayTrip"), ("LVMomCess", "opModLVRTMomentaryCessation"),
                ("LVMustTrip", "opModLVRTMustTrip"), ("VoltVar", "opModVoltVar"), ("VoltWatt", "opModVoltWatt"), ("WattPF", "opModWattPF"), ("WattVar", "opModWattVar"),
            })
            {
                if (!state.DerNotSupported.Contains(type))
                {
                    names.Add(name);
                }
            }

            if (state.DerNotSupported.Contains("LimitMaxDischarge"))
            {
                names.Remove("opModMaxLimW");
                names.Remove("opModEnergize");
                names.Remove("opModConnect");
            }
        }

        return DerFunctions.FromNames(names);
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
