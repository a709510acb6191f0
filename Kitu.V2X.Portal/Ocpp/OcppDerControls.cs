using System.Security.Cryptography;
using System.Text;
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
    /// The controls for these functions in force; an empty list when none is. <paramref name="sources"/>: which event or
    /// default control sets which function (the grid layer's controls in force); a function no event sets is a default.
    /// Used when the portal does not know the defaults and events apart (<see cref="For(Ieee1547Functions, IReadOnlyList{GridScheduledControl}, DateTimeOffset)"/> otherwise).
    /// </summary>
    public static IReadOnlyList<OcppDerControl> For(Ieee1547Functions? functions, IReadOnlyList<GridControlInForce>? sources = null)
    {
        var controls = new List<OcppDerControl>();
        foreach (var (type, field, setting) in Settings(functions))
        {
            var names = Sources.GetValueOrDefault(type) ?? [];
            var source = sources?.FirstOrDefault(c => !c.IsDefault && c.Functions.Intersect(names, StringComparer.Ordinal).Any());
            var isDefault = source is null;
            if (source is { Start: { } start, End: { } end } && end > start && type is not "EnterService" and not "Gradients")
            {
                Window(setting, start, end);
            }

            controls.Add(Control(type, IdFor(type, isDefault), isDefault, field, setting));
        }

        return controls;
    }

    /// <summary>
    /// The controls for the programs' default controls and each event in force or to come, as OCPP 2.1 means them:
    /// the defaults as default controls (<c>kitu-default-{type}</c>), held whether or not an event overrides them; each
    /// event as scheduled controls of its own (<c>kitu-{event}-{type}</c>, see <see cref="IdFor(string, string)"/>) with
    /// its window and its program's primacy as priority (0 highest in both standards), sent as soon as the server lists
    /// it, so the station starts and ends it at its time by itself, also while it cannot hear from the portal. Enter
    /// service and ramp rates have no window in OCPP: they are taken from the defaults only.
    /// </summary>
    public static IReadOnlyList<OcppDerControl> For(Ieee1547Functions defaults, IReadOnlyList<GridScheduledControl> schedule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var controls = Settings(defaults).Select(s => Control(s.Type, IdFor(s.Type, isDefault: true), true, s.Field, s.Setting)).ToList();
        foreach (var scheduled in schedule.Where(e => e.End > now && e.End > e.Start))
        {
            foreach (var (type, field, setting) in Settings(scheduled.Functions).Where(s => s.Type is not "EnterService" and not "Gradients"))
            {
                setting["priority"] = (int)scheduled.Primacy;
                Window(setting, scheduled.Start, scheduled.End);
                controls.Add(Control(type, IdFor(type, scheduled.MRid), false, field, setting));
            }
        }

        return controls;
    }

    /// <summary>The id of one event's control of one type: <c>kitu-</c>, 8 hex digits of the event's mRID hashed, the type (at most 31 characters; OCPP allows 36).</summary>
    public static string IdFor(string controlType, string eventMRid)
    {
        ArgumentNullException.ThrowIfNull(eventMRid);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(eventMRid.ToUpperInvariant()));
        return $"kitu-{Convert.ToHexStringLower(hash.AsSpan(0, 4))}-{controlType}";
    }

    /// <summary>Each OCPP control type these functions give, with its field name and setting (priority <see cref="Priority"/>, no window).</summary>
    private static List<(string Type, string Field, JsonObject Setting)> Settings(Ieee1547Functions? functions)
    {
        var settings = new List<(string Type, string Field, JsonObject Setting)>();
        if (functions is null)
        {
            return settings;
        }

        // Cease to energize or disconnect: no discharge at all; otherwise the limit in force, if any.
        var pct = functions.Energize == false || functions.Connect == false ? 0 : functions.MaxLimitPercent;
        if (pct is { } limit)
        {
            settings.Add(("LimitMaxDischarge", "limitMaxDischarge", new JsonObject { ["priority"] = Priority, ["pctMaxDischargePower"] = Math.Clamp(limit, 0, 100) }));
        }

        if (functions.FixedPowerFactorInject is { } inject)
        {
            settings.Add(("FixedPFInject", "fixedPFInject", PowerFactor(inject)));
        }

        if (functions.FixedPowerFactorAbsorb is { } absorb)
        {
            settings.Add(("FixedPFAbsorb", "fixedPFAbsorb", PowerFactor(absorb)));
        }

        if (functions.FixedVar is { } fixedVar)
        {
            settings.Add(("FixedVar", "fixedVar", new JsonObject { ["priority"] = Priority, ["setpoint"] = fixedVar.Percent, ["unit"] = Unit(fixedVar.RefType) }));
        }

        if (functions.FrequencyDroop is { } droop)
        {
            settings.Add(("FreqDroop", "freqDroop", new JsonObject
            {
                ["priority"] = Priority,
                ["overFreq"] = NominalFrequencyHz + droop.DeadbandOverHz,
                ["underFreq"] = NominalFrequencyHz - droop.DeadbandUnderHz,
                ["overDroop"] = droop.DroopOver,
                ["underDroop"] = droop.DroopUnder,
                ["responseTime"] = droop.OpenLoopSeconds,
            }));
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
                settings.Add((type, "curve", Curve(curve)));
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
            settings.Add(("EnterService", "enterService", setting));
        }

        if (functions.RampSeconds is { } ramp)
        {
            settings.Add(("Gradients", "gradient", new JsonObject { ["priority"] = Priority, ["gradient"] = ramp, ["softGradient"] = functions.EnterService?.RampSeconds ?? ramp }));
        }

        return settings;
    }

    private static OcppDerControl Control(string type, string id, bool isDefault, string field, JsonObject setting) =>
        new(type, id, new JsonObject
        {
            ["isDefault"] = isDefault,
            ["controlId"] = id,
            ["controlType"] = type,
            [field] = setting,
        });

    private static void Window(JsonObject setting, DateTimeOffset start, DateTimeOffset end)
    {
        setting["startTime"] = start.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        setting["duration"] = Math.Round((end - start).TotalSeconds);
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
