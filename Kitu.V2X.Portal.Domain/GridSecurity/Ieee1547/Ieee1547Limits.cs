namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

/// <summary>
/// Range checks for IEEE 1547 settings that arrive from outside the 2030.5 parser — an EVSE that runs its own client
/// reports the functions in force over its link: every number finite and within what 2030.5 can express, at most ten
/// points a curve, short identifiers. A report that fails is refused whole.
/// </summary>
public static class Ieee1547Limits
{
    public const int MaxCurvePoints = 10;

    /// <summary>Why the settings cannot be taken, or null.</summary>
    public static string? Check(Ieee1547Functions? functions)
    {
        if (functions is null)
        {
            return null;
        }

        var f = functions;
        return Percent(f.MaxLimitPercent, 0, 100, "opModMaxLimW")
            ?? Percent(f.FixedWPercent, -100, 100, "opModFixedW")
            ?? PowerFactor(f.FixedPowerFactorInject, "opModFixedPFInjectW")
            ?? PowerFactor(f.FixedPowerFactorAbsorb, "opModFixedPFAbsorbW")
            ?? (f.FixedVar is { } v ? Percent(v.Percent, -100, 100, "opModFixedVar") ?? (v.RefType is >= 0 and <= 7 ? null : "opModFixedVar has an unknown reference type.") : null)
            ?? Number(f.TargetVar, 1e9, "opModTargetVar")
            ?? Number(f.TargetW, 1e9, "opModTargetW")
            ?? Droop(f.FrequencyDroop)
            ?? Number(f.RampSeconds, 655.35, "rampTms", positive: true)
            ?? EnterService(f.EnterService)
            ?? Curves(f);
    }

    private static string? Curves(Ieee1547Functions f)
    {
        Curve?[] curves =
        [
            f.FrequencyWatt, f.VoltVar, f.VoltWatt, f.WattPowerFactor, f.WattVar, f.HighFrequencyMayTrip, f.HighFrequencyMustTrip,
            f.HighVoltageMayTrip, f.HighVoltageMomentaryCessation, f.HighVoltageMustTrip, f.LowFrequencyMayTrip, f.LowFrequencyMustTrip,
            f.LowVoltageMayTrip, f.LowVoltageMomentaryCessation, f.LowVoltageMustTrip,
        ];
        foreach (var curve in curves)
        {
            if (curve is null)
            {
                continue;
            }

            if (curve.MRid is not { Length: > 0 and <= 32 } || curve.CurveType is < 0 or > 14 || curve.YRefType is < 0 or > 7)
            {
                return "A curve has no valid mRID, type or reference.";
            }

            if (curve.Points is not { Count: > 0 and <= MaxCurvePoints })
            {
                return $"Curve {curve.MRid} must have 1 to {MaxCurvePoints} points.";
            }

            if (curve.Points.Any(p => !double.IsFinite(p.X) || !double.IsFinite(p.Y) || Math.Abs(p.X) > 1e7 || Math.Abs(p.Y) > 1e7)
                || Number(curve.OpenLoopSeconds, 655.35, "openLoopTms", positive: true) is not null
                || Number(curve.VRefPercent, 1000, "vRef", positive: true) is not null)
            {
                return $"Curve {curve.MRid} has a value out of range.";
            }
        }

        return null;
    }

    private static string? EnterService(EnterServiceSetting? e) => e is null
        ? null
        : Number(e.DelaySeconds, 42_949_672.95, "setESDelay", positive: true)
            ?? Number(e.RampSeconds, 42_949_672.95, "setESRampTms", positive: true)
            ?? Number(e.RandomDelaySeconds, 42_949_672.95, "setESRandomDelay", positive: true)
            ?? Number(e.HighFrequencyHz, 655.35, "setESHighFreq", positive: true)
            ?? Number(e.LowFrequencyHz, 655.35, "setESLowFreq", positive: true)
            ?? Number(e.HighVoltagePercent, 327.67, "setESHighVolt")
            ?? Number(e.LowVoltagePercent, 327.67, "setESLowVolt");

    private static string? Droop(FreqDroopSetting? d) => d is null
        ? null
        : Number(d.DeadbandOverHz, 4_294_967.295, "opModFreqDroop", positive: true)
            ?? Number(d.DeadbandUnderHz, 4_294_967.295, "opModFreqDroop", positive: true)
            ?? Number(d.DroopOver, 65.535, "opModFreqDroop", positive: true)
            ?? Number(d.DroopUnder, 65.535, "opModFreqDroop", positive: true)
            ?? Number(d.OpenLoopSeconds, 655.35, "opModFreqDroop", positive: true);

    private static string? PowerFactor(PowerFactorSetting? pf, string name) =>
        pf is null || (double.IsFinite(pf.PowerFactor) && pf.PowerFactor is > 0 and <= 1) ? null : $"{name} must be a power factor above 0 and at most 1.";

    private static string? Percent(double? value, double min, double max, string name) =>
        value is null || (double.IsFinite(value.Value) && value >= min && value <= max) ? null : $"{name} must be between {min} and {max} %.";

    private static string? Number(double? value, double max, string name, bool positive = false) =>
        value is null || (double.IsFinite(value.Value) && Math.Abs(value.Value) <= max && (!positive || value >= 0)) ? null : $"{name} is out of range.";
}
