using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>
/// A station with several EVSEs (a dual-port DC post): the portal's charger is its EVSE 1. What the station reports of
/// its other EVSEs — their connector status, transactions, meter values, a car's charging needs — is answered as the
/// protocol asks and kept out of the charger's state, where it would have mixed two cars into one (an EVSE 2 going
/// "Available" ended EVSE 1's transaction). The main meter (evseId 0) counts as the charger's only while no other EVSE
/// has reported: then it is the sum of both.
/// </summary>
public sealed partial class OcppStation
{
    private const int MaxOtherTransactions = 64;
    private int otherEvseLogged;

    /// <summary>The answer for a message about another EVSE of the station, or null when it is this charger's to take.</summary>
    private JsonObject? ForAnotherEvse(string action, JsonElement payload)
    {
        switch (action)
        {
            case "StatusNotification" when Number(payload, "evseId") is { } evse && evse != state.EvseNumber:
                NoteOtherEvse(action, evse);
                return [];
            case "MeterValues" when Number(payload, "evseId") is { } meter && meter != 0 && meter != state.EvseNumber:
                NoteOtherEvse(action, meter);
                return [];
            case "MeterValues" when Number(payload, "evseId") == 0 && HasOtherEvses():
                // The main meter of a station whose other EVSEs report sums their cars with the charger's: not its power.
                return [];
            case "NotifyEVChargingNeeds" when Number(payload, "evseId") is { } needs && needs != state.EvseNumber:
                NoteOtherEvse(action, needs);
                // No profile will come from the portal for that EVSE: the station charges the car on its own terms.
                return new JsonObject { ["status"] = session.Version == OcppVersion.V21 ? "NoChargingProfile" : "Rejected" };
            case "TransactionEvent" when OtherTransaction(payload):
                NoteOtherEvse(action, payload.TryGetProperty("evse", out var on) ? Number(on, "id") : null);
                return payload.TryGetProperty("idToken", out _) ? new JsonObject { ["idTokenInfo"] = new JsonObject { ["status"] = "Accepted" } } : [];
            default:
                return null;
        }
    }

    /// <summary>A transaction event of another EVSE: it names that EVSE, or continues a transaction that did.</summary>
    private bool OtherTransaction(JsonElement payload)
    {
        var id = payload.GetProperty("transactionInfo").GetProperty("transactionId").GetString()!;
        var ended = payload.GetProperty("eventType").GetString() == "Ended";
        lock (state.Gate)
        {
            var other = payload.TryGetProperty("evse", out var evse) && evse.GetProperty("id").GetInt32() is var n && n > 0 && n != state.EvseNumber;
            if (other && !ended && state.OtherTransactions.Count < MaxOtherTransactions)
            {
                state.OtherTransactions.Add(id);
            }

            var known = ended ? state.OtherTransactions.Remove(id) : state.OtherTransactions.Contains(id);
            return other || known;
        }
    }

    private bool HasOtherEvses()
    {
        lock (state.Gate)
        {
            return state.OtherEvses.Count > 0 || state.OtherTransactions.Count > 0;
        }
    }

    private void NoteOtherEvse(string action, int? evse)
    {
        if (evse is { } number && number > 0)
        {
            bool added;
            lock (state.Gate)
            {
                added = state.OtherEvses.Count < 8 && state.OtherEvses.Add(number);
            }

            if (added)
            {
                Report(); // the owner's page says that EVSE is not a charger here
            }
        }

        if (Interlocked.Exchange(ref otherEvseLogged, 1) == 0)
        {
            LogOtherEvse(charger.StationId, action, state.EvseNumber);
        }
    }

    private static int? Number(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    [Microsoft.Extensions.Logging.LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Information,
        "OCPP station {Station} reports another EVSE than {Evse} ({Action}): the portal's charger is its EVSE {Evse}; the others' reports are answered, not taken")]
    private partial void LogOtherEvse(string station, string action, int evse);
}
