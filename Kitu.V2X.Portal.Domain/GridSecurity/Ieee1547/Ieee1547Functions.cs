namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

/// <summary>One point of a curve, with multipliers applied (percent axes in plain percent).</summary>
public sealed record CurvePoint(double X, double Y, bool? Excitation = null);

/// <summary>
/// A resolved curve: 2030.5 curve type (0 freq-watt … 14 watt-var), its points, what the y percentages refer to
/// (DERUnitRefType), and its response times.
/// </summary>
public sealed record Curve(string MRid, int CurveType, IReadOnlyList<CurvePoint> Points, int YRefType, double? OpenLoopSeconds = null, double? VRefPercent = null)
{
    public bool Equals(Curve? other) =>
        other is not null && MRid == other.MRid && CurveType == other.CurveType && YRefType == other.YRefType
        && OpenLoopSeconds == other.OpenLoopSeconds && VRefPercent == other.VRefPercent && Points.SequenceEqual(other.Points);

    public override int GetHashCode() => HashCode.Combine(MRid, CurveType, Points.Count);
}

/// <summary>A fixed power factor; <paramref name="Absorbing"/> true = under-excited (absorbing vars).</summary>
public sealed record PowerFactorSetting(double PowerFactor, bool Absorbing);

/// <summary>A fixed reactive power as a percent of the base named by <paramref name="RefType"/> (1 %setMaxW, 2 %setMaxVar, 3 %statVarAvail).</summary>
public sealed record FixedVarSetting(int RefType, double Percent);

/// <summary>Frequency droop: dead-bands in Hz, droop in per-unit, open-loop response time in seconds (0 = no limit).</summary>
public sealed record FreqDroopSetting(double DeadbandOverHz, double DeadbandUnderHz, double DroopOver, double DroopUnder, double OpenLoopSeconds);

/// <summary>Enter-service conditions (IEEE 1547-2018 §4.10), from the DefaultDERControl.</summary>
public sealed record EnterServiceSetting(
    double? DelaySeconds,
    double? HighFrequencyHz,
    double? HighVoltagePercent,
    double? LowFrequencyHz,
    double? LowVoltagePercent,
    double? RampSeconds,
    double? RandomDelaySeconds);

/// <summary>
/// The IEEE 1547 functions in force for one EVSE, as typed settings. Every field is optional: null means no
/// instruction from the grid (the device keeps its own setting), never zero.
/// </summary>
public sealed record Ieee1547Functions
{
    public static Ieee1547Functions None { get; } = new();

    /// <summary>Connect (<c>opModConnect</c>); false = disconnect.</summary>
    public bool? Connect { get; init; }

    /// <summary>Energize (<c>opModEnergize</c>); false = cease to energize, true = may enter service.</summary>
    public bool? Energize { get; init; }

    /// <summary>Limit active power: export cap as a percent of setMaxW (<c>opModMaxLimW</c>).</summary>
    public double? MaxLimitPercent { get; init; }

    /// <summary>Constant power factor while discharging.</summary>
    public PowerFactorSetting? FixedPowerFactorInject { get; init; }

    /// <summary>Constant power factor while charging.</summary>
    public PowerFactorSetting? FixedPowerFactorAbsorb { get; init; }

    /// <summary>Constant reactive power, as a percent.</summary>
    public FixedVarSetting? FixedVar { get; init; }

    /// <summary>Constant reactive power, absolute var.</summary>
    public double? TargetVar { get; init; }

    /// <summary>Target active power, W.</summary>
    public double? TargetW { get; init; }

    /// <summary>Charge (negative) or discharge (positive) setpoint, percent.</summary>
    public double? FixedWPercent { get; init; }

    public FreqDroopSetting? FrequencyDroop { get; init; }

    public Curve? FrequencyWatt { get; init; }

    public Curve? VoltVar { get; init; }

    public Curve? VoltWatt { get; init; }

    public Curve? WattPowerFactor { get; init; }

    public Curve? WattVar { get; init; }

    public Curve? HighFrequencyMayTrip { get; init; }

    public Curve? HighFrequencyMustTrip { get; init; }

    public Curve? HighVoltageMayTrip { get; init; }

    public Curve? HighVoltageMomentaryCessation { get; init; }

    public Curve? HighVoltageMustTrip { get; init; }

    public Curve? LowFrequencyMayTrip { get; init; }

    public Curve? LowFrequencyMustTrip { get; init; }

    public Curve? LowVoltageMayTrip { get; init; }

    public Curve? LowVoltageMomentaryCessation { get; init; }

    public Curve? LowVoltageMustTrip { get; init; }

    /// <summary>Time to move to new settings, seconds.</summary>
    public double? RampSeconds { get; init; }

    public EnterServiceSetting? EnterService { get; init; }
}
