using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>One OCPP 2.1 DER control the station must hold: its type, the portal's stable id for it, whether it is a default control, and the payload of its SetDERControl.</summary>
public sealed record OcppDerControl(string ControlType, string ControlId, JsonObject Request)
{
    public bool IsDefault => (bool?)Request["isDefault"] ?? false;
}

/// <summary>
/// The IEEE 1547 functions in force for an EVSE (from its 2030.5 server, through the grid layer) as OCPP 2.1
/// SetDERControl requests, one per control type, each with a stable id so a change replaces it and a function no
/// longer in force is cleared by that id. A function set by the program's DefaultDERControl is a default control
/// (<c>isDefault</c>, id <c>kitu-default-{type}</c>); one set by an event is a scheduled control (id <c>kitu-{type}</c>)
/// with the event's start and duration where OCPP has them, so the station ends it by itself. Cease to energize and
/// disconnect become a discharge limit of 0 %. docs/ocpp.md lists what has no OCPP counterpart.
/// </summary>
public static class OcppDerControls
{
    /// <summary>Every control type the portal may set; any other the station holds under a kitu- id is cleared.</summary>
    public static readonly IReadOnlyList<string> Types =
    [
        "LimitMaxDischarge", "FixedPFInject", "FixedPFAbsorb", "FixedVar", "FreqDroop", "FreqWatt", "VoltVar", "VoltWatt",
        "WattPF", "WattVar", "HFMayTrip", "HFMustTrip", "HVMayTrip", "HVMomCess", "HVMustTrip", "LFMustTrip", "LVMayTrip",
        "LVMomCess", "LVMustTrip", "EnterService", "Gradients",
    ];

    /// <summary>The frequency the droop's dead-bands are counted from: 2030.5 gives dead-bands, OCPP absolute start frequencies.</summary>
    public const double NominalFrequencyHz = 60;

    private const int Priority = 1;

    public static string IdFor(string controlType, bool isDefault = false) => (isDefault ? "kitu-default-" : "kitu-") + controlType;

    /// <summary>The 2030.5 functions each OCPP control type carries (as the grid layer names them in its controls in force).</summary>
    private static readonly Dictionary<string, string[]> Sources = new(StringComparer.Ordinal)
    {
        ["LimitMaxDischarge"] = ["opModMaxLimW", "opModEnergize", "opModConnect"],
        ["FixedPFInject"] = ["opModFixedPFInjectW"],
        ["FixedPFAbsorb"] = ["opModFixedPFAbsorbW"],
        ["FixedVar"] = ["opModFixedVar"],
        ["FreqDroop"] = ["opModFreqDroop"],
        ["FreqWatt"] = ["opModFreqWatt"],
        ["VoltVar"] = ["opModVoltVar"],
        ["VoltWatt"] = ["opModVoltWatt"],
        ["WattPF"] = ["opModWattPF"],
        ["WattVar"] = ["opModWattVar"],
        ["HFMayTrip"] = ["opModHFRTMayTrip"],
        ["HFMustTrip"] = ["opModHFRTMustTrip"],
        ["HVMayTrip"] = ["opModHVRTMayTrip"],
        ["HVMomCess"] = ["opModHVRTMomentaryCessation"],
        ["HVMustTrip"] = ["opModHVRTMustTrip"],
        ["LFMustTrip"] = ["opModLFRTMustTrip"],
        ["LVMayTrip"] = ["opModLVRTMayTrip"],
        ["LVMomCess"] = ["opModLVRTMomentaryCessation"],
        ["LVMustTrip"] = ["opModLVRTMustTrip"],
    };

    /// <summary>
    /// The controls for these functions; an empty list when none is in force. <paramref name="sources"/>: which event or
    /// default control sets which function (the grid layer's controls in force); a function no event sets is a default.
    /// </summary>
    public static IReadOnlyList<OcppDerControl> For(Ieee1547Functions? functions, IReadOnlyList<GridControlInForce>? sources = null)
    {
        var controls = new List<OcppDerControl>();
        if (functions is null)
        {
            return controls;
        }

        void Add(string type, string field, JsonObject setting)
        {
            var names = Sources.GetValueOrDefault(type) ?? [];
            var source = sources?.FirstOrDefault(c => !c.IsDefault && c.Functions.Intersect(names, StringComparer.Ordinal).Any());
            var isDefault = source is null;
            if (source is { Start: { } start, End: { } end } && end > start && setting.ContainsKey("priority") && type is not "EnterService" and not "Gradients")
            {
                setting["startTime"] = start.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
                setting["duration"] = Math.Round((end - start).TotalSeconds);
            }

            controls.Add(new OcppDerControl(type, IdFor(type, isDefault), new JsonObject
            {
                ["isDefault"] = isDefault,
                ["controlId"] = IdFor(type, isDefault),
                ["controlType"] = type,
                [field] = setting,
            }));
        }

        // Cease to energize or disconnect: no discharge at all; otherwise the limit in force, if any.
        var pct = functions.Energize == false || functions.Connect == false ? 0 : functions.MaxLimitPercent;
        if (pct is { } limit)
        {
            Add("LimitMaxDischarge", "limitMaxDischarge", new JsonObject { ["priority"] = Priority, ["pctMaxDischargePower"] = Math.Clamp(limit, 0, 100) });
        }

        if (functions.FixedPowerFactorInject is { } inject)
        {
            Add("FixedPFInject", "fixedPFInject", PowerFactor(inject));
        }

        if (functions.FixedPowerFactorAbsorb is { } absorb)
        {
            Add("FixedPFAbsorb", "fixedPFAbsorb", PowerFactor(absorb));
        }

        if (functions.FixedVar is { } fixedVar)
        {
            Add("FixedVar", "fixedVar", new JsonObject { ["priority"] = Priority, ["setpoint"] = fixedVar.Percent, ["unit"] = Unit(fixedVar.RefType) });
        }

        if (functions.FrequencyDroop is { } droop)
        {
            Add("FreqDroop", "freqDroop", new JsonObject
            {
                ["priority"] = Priority,
                ["overFreq"] = NominalFrequencyHz + droop.DeadbandOverHz,
                ["underFreq"] = NominalFrequencyHz - droop.DeadbandUnderHz,
                ["overDroop"] = droop.DroopOver,
                ["underDroop"] = droop.DroopUnder,
                ["responseTime"] = droop.OpenLoopSeconds,
            });
        }

        foreach (var (type, curve) in new (string, Curve?)[]
        {
            ("FreqWatt", functions.FrequencyWatt), ("VoltVar", functions.VoltVar), ("VoltWatt", functions.VoltWatt),
            ("WattPF", functions.WattPowerFactor), ("WattVar", functions.WattVar),
            ("HFMayTrip", functions.HighFrequencyMayTrip), ("HFMustTrip", functions.HighFrequencyMustTrip),
            ("HVMayTrip", functions.HighVoltageMayTrip), ("HVMomCess", functions.HighVoltageMomentaryCessation),
            ("HVMustTrip", functions.HighVoltageMustTrip), ("LFMustTrip", functions.LowFrequencyMustTrip),
            ("LVMayTrip", functions.LowVoltageMayTrip), ("LVMomCess", functions.LowVoltageMomentaryCessation),
            ("LVMustTrip", functions.LowVoltageMustTrip),
        })
        {
            if (curve is { Points.Count: > 0 })
            {
                Add(type, "curve", Curve(curve));
            }
        }

        if (functions.EnterService is { } enter)
        {
            var setting = new JsonObject
            {
                ["priority"] = Priority,
                ["highVoltage"] = enter.HighVoltagePercent ?? 105,
                ["lowVoltage"] = enter.LowVoltagePercent ?? 91.7,
                ["highFreq"] = enter.HighFrequencyHz ?? 60.1,
                ["lowFreq"] = enter.LowFrequencyHz ?? 59.5,
            };
            Put(setting, "delay", enter.DelaySeconds);
            Put(setting, "randomDelay", enter.RandomDelaySeconds);
            Put(setting, "rampRate", enter.RampSeconds);
            Add("EnterService", "enterService", setting);
        }

        if (functions.RampSeconds is { } ramp)
        {
            Add("Gradients", "gradient", new JsonObject { ["priority"] = Priority, ["gradient"] = ramp, ["softGradient"] = functions.EnterService?.RampSeconds ?? ramp });
        }

        return controls;
    }

    /// <summary>The functions in force that OCPP 2.1 cannot carry as DER controls (named as on the owner's page).</summary>
    public static IReadOnlyList<string> NotCarried(Ieee1547Functions? functions)
    {
        var missing = new List<string>();
        if (functions?.LowFrequencyMayTrip is { Points.Count: > 0 })
        {
            missing.Add("low-frequency may-trip curve (no LFMayTrip in OCPP 2.1)");
        }

        if (functions?.TargetW is not null || functions?.FixedWPercent is not null)
        {
            missing.Add("active-power setpoint (carried by the charging profile's setpoint instead)");
        }

        if (functions?.TargetVar is not null)
        {
            missing.Add("reactive-power target (no OCPP 2.1 DER control)");
        }

        return missing;
    }

    private static JsonObject PowerFactor(PowerFactorSetting pf) =>
        new() { ["priority"] = Priority, ["displacement"] = pf.PowerFactor, ["excitation"] = pf.Absorbing };

    private static JsonObject Curve(Curve curve)
    {
        var setting = new JsonObject
        {
            ["priority"] = Priority,
            ["yUnit"] = Unit(curve.YRefType),
            ["curveData"] = new JsonArray([.. curve.Points.Select(p => (JsonNode)new JsonObject { ["x"] = p.X, ["y"] = p.Y })]),
        };
        Put(setting, "responseTime", curve.OpenLoopSeconds);
        if (curve.VRefPercent is { } vref)
        {
            setting["reactivePowerParams"] = new JsonObject { ["vRef"] = vref };
        }

        return setting;
    }

    /// <summary>2030.5 DERUnitRefType → OCPP DERUnitEnumType.</summary>
    internal static string Unit(int refType) => refType switch
    {
        1 => "PctMaxW",
        2 => "PctMaxVar",
        3 => "PctVarAvail",
        4 => "PctEffectiveV",
        7 => "PctWAvail",
        _ => "Not_Applicable",
    };

    private static void Put(JsonObject o, string name, double? value)
    {
        if (value is { } v)
        {
            o[name] = v;
        }
    }

}
