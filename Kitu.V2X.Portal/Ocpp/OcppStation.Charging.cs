using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>Portal → station, smart charging: decisions, stops and refusals as charging profiles; the owner's switch as the allowed energy transfer.</summary>
public sealed partial class OcppStation
{
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
}
