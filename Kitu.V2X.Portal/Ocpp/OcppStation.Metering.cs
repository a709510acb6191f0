using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>
/// What the station measures during a transaction: the portal follows a discharge by the power the station reports, so
/// on each connection it asks for meter values every <see cref="OcppOptions.MeterIntervalSeconds"/> with power, SoC and
/// the energy registers (SetVariables on SampledDataCtrlr). A station that refuses a measurand list is offered a shorter
/// one (no SoC; then the registers only, from whose change the portal tells the power).
/// </summary>
public sealed partial class OcppStation
{
    private async Task AskForMeterValuesAsync()
    {
        var seconds = session.Options.MeterIntervalSeconds;
        if (seconds <= 0)
        {
            return;
        }

        var interval = await SetVariableAsync("TxUpdatedInterval", seconds.ToString(CultureInfo.InvariantCulture));
        string? measurands = null;
        foreach (var choice in OcppMeter.MeasurandChoices)
        {
            var status = await SetVariableAsync("TxUpdatedMeasurands", choice);
            if (status is "Accepted" or "RebootRequired")
            {
                measurands = choice;
                break;
            }

            if (status is null or "UnknownComponent" or "UnknownVariable" or "NotSupportedAttributeType")
            {
                break; // no shorter list will do better
            }
        }

        if (interval is not ("Accepted" or "RebootRequired") || measurands is null)
        {
            LogMeteringRefused(charger.StationId, interval ?? "no answer", measurands ?? "none of the portal's lists");
        }
    }

    /// <summary>Sets one variable of the station's SampledDataCtrlr; its attributeStatus, or null without an answer.</summary>
    private async Task<string?> SetVariableAsync(string variable, string value)
    {
        var answer = await CallAsync("SetVariables", new JsonObject
        {
            ["setVariableData"] = new JsonArray(new JsonObject
            {
                ["attributeValue"] = value,
                ["component"] = new JsonObject { ["name"] = "SampledDataCtrlr" },
                ["variable"] = new JsonObject { ["name"] = variable },
            }),
        });
        return answer is { } a && a.TryGetProperty("setVariableResult", out var results) && results.ValueKind == JsonValueKind.Array
            && results.GetArrayLength() > 0 ? Text(results[0], "attributeStatus") : null;
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Warning,
        "OCPP station {Station} did not take the portal's meter settings (interval: {Interval}; measurands: {Measurands}): its discharges are judged by what it reports of its own accord")]
    private partial void LogMeteringRefused(string station, string interval, string measurands);
}
