using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>Station → portal: what each message of the station means for the portal (docs/ocpp.md, "Station → portal").</summary>
public sealed partial class OcppStation
{
    private JsonObject Handle(string action, JsonElement payload)
    {
        live.LastSeen = time.GetUtcNow();
        var now = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        if (ForAnotherEvse(action, payload) is { } acknowledged)
        {
            return acknowledged;
        }

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

                AskToRenewIfDue();
                return new JsonObject { ["currentTime"] = now, ["interval"] = session.Options.HeartbeatSeconds, ["status"] = "Accepted" };
            case "Heartbeat":
                AskToRenewIfDue();
                return new JsonObject { ["currentTime"] = now };
            case "StatusNotification":
                lock (state.Gate)
                {
                    state.ConnectorStatus = payload.GetProperty("connectorStatus").GetString();
                    if (state.ConnectorStatus == "Available")
                    {
                        state.TransactionId = null;
                        state.VehicleIdentifier = null;
                        state.PowerKw = 0;
                        state.Discharge = null;
                        state.Registers = null;
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
                or "GetCertificateStatus" or "GetTransactionStatus" or "DataTransfer" or "ReservationStatusUpdate" or "NotifyAllowedEnergyTransfer":
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
            case "SignCertificate":
                return SignCertificate(payload);
            case "ReportDERControl":
                TakeDerReport(payload);
                Report(); // what it does not hold shows on the owner's page
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
            if (eventType == "Ended")
            {
                state.TransactionId = null;
                state.VehicleIdentifier = null;
                state.PowerKw = 0;
                state.Discharge = null; // a profile of the transaction ends with it
                state.CarModes = [];
                state.Registers = null;
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

    /// <summary>
    /// Net active power (import − export, kW) and the car's SoC from the meter values, when given; power from the energy
    /// registers' change when the station reports no power (<see cref="OcppMeter"/>). Under the state's lock.
    /// </summary>
    private void TakeMeterValues(JsonElement payload)
    {
        if (!payload.TryGetProperty("meterValue", out var values))
        {
            return;
        }

        var reading = OcppMeter.Read(values, state.Registers);
        state.Registers = reading.Registers;
        state.SocPercent = reading.SocPercent ?? state.SocPercent;
        if (reading.PowerKw is { } kw)
        {
            state.PowerKw = kw;
        }
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
}
