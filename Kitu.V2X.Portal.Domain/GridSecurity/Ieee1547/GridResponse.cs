namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

/// <summary>
/// The grid as measured at the EVSE's point of connection: voltage as a percent of the nominal (effective voltage,
/// IEEE 1547 §1.4) and frequency. Reported by the EVSE; when it reports nothing the grid is taken as nominal.
/// </summary>
public sealed record GridConditions(double VoltagePercent, double FrequencyHz, double NominalFrequencyHz = 60)
{
    public static GridConditions Nominal { get; } = new(100, 60);

    /// <summary>From a measured voltage and its nominal; null measurements fall back to nominal.</summary>
    public static GridConditions From(double? voltageV, double? nominalVoltageV, double? frequencyHz, double nominalFrequencyHz = 60) => new(
        voltageV is { } v && nominalVoltageV is > 0 && double.IsFinite(v) ? v / nominalVoltageV.Value * 100 : 100,
        frequencyHz is { } f && double.IsFinite(f) ? f : nominalFrequencyHz,
        nominalFrequencyHz);
}

/// <summary>Which reactive-power function sets the reactive power (IEEE 1547 §5.3: one at a time).</summary>
public enum ReactiveMode
{
    None,
    ConstantPowerFactor,
    VoltVar,
    WattVar,
    WattPowerFactor,
    ConstantVar,
}

/// <summary>What an IEEE 1547 must-trip or momentary-cessation curve asks at the measured conditions.</summary>
public sealed record TripCheck(string Function, TimeSpan After);

/// <summary>
/// How the IEEE 1547 functions in force shape an inverter's output at given grid conditions: the export cap (limit
/// active power, volt-watt, frequency-watt or frequency droop, cease to energize and disconnect), the reactive power,
/// the trip and momentary-cessation curves, and the enter-service window. Pure: the portal's clamp and the virtual
/// EVSEs use the same arithmetic.
/// </summary>
public static class GridResponse
{
    /// <summary>The export cap as a percent of setMaxW (0–100), the smallest that any function in force gives.</summary>
    public static double ExportCapPercent(Ieee1547Functions functions, GridConditions? at = null)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var c = at ?? GridConditions.Nominal;
        if (functions.Energize == false || functions.Connect == false)
        {
            return 0;
        }

        var cap = 100.0;
        if (functions.MaxLimitPercent is { } limit)
        {
            cap = Math.Min(cap, limit);
        }

        if (functions.VoltWatt is { } voltWatt)
        {
            cap = Math.Min(cap, Interpolate(voltWatt, c.VoltagePercent));
        }

        if (functions.FrequencyWatt is { } freqWatt)
        {
            cap = Math.Min(cap, Interpolate(freqWatt, c.FrequencyHz));
        }

        if (functions.FrequencyDroop is { } droop)
        {
            cap = Math.Min(cap, DroopCapPercent(droop, c));
        }

        return Math.Clamp(cap, 0, 100);
    }

    /// <summary>
    /// Frequency droop over frequency (IEEE 1547 §6.5.2.7): above the dead-band the output falls by 1 per unit per
    /// <c>k</c> per unit of frequency rise, ΔP = (f − f_nom − db) / (f_nom · k).
    /// </summary>
    public static double DroopCapPercent(FreqDroopSetting droop, GridConditions at)
    {
        ArgumentNullException.ThrowIfNull(droop);
        ArgumentNullException.ThrowIfNull(at);
        var rise = at.FrequencyHz - at.NominalFrequencyHz - droop.DeadbandOverHz;
        if (rise <= 0 || droop.DroopOver <= 0)
        {
            return 100;
        }

        return Math.Clamp(100 - (rise / (at.NominalFrequencyHz * droop.DroopOver) * 100), 0, 100);
    }

    /// <summary>
    /// The reactive power the functions ask for while exchanging <paramref name="activePercent"/> of setMaxW
    /// (positive = injecting): percent of the function's base, positive = injecting vars (over-excited).
    /// </summary>
    public static (ReactiveMode Mode, double Percent) Reactive(Ieee1547Functions functions, GridConditions at, double activePercent)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(at);
        var pf = activePercent >= 0 ? functions.FixedPowerFactorInject : functions.FixedPowerFactorAbsorb;
        if (pf is { PowerFactor: > 0 and <= 1 })
        {
            var q = Math.Abs(activePercent) * Math.Tan(Math.Acos(pf.PowerFactor));
            return (ReactiveMode.ConstantPowerFactor, pf.Absorbing ? -q : q);
        }

        if (functions.VoltVar is { } voltVar)
        {
            var x = voltVar.VRefPercent is > 0 ? at.VoltagePercent * 100 / voltVar.VRefPercent.Value : at.VoltagePercent;
            return (ReactiveMode.VoltVar, Interpolate(voltVar, x));
        }

        if (functions.WattVar is { } wattVar)
        {
            return (ReactiveMode.WattVar, Interpolate(wattVar, activePercent));
        }

        if (functions.WattPowerFactor is { } wattPf && wattPf.Points.Count > 0)
        {
            var factor = Math.Clamp(Interpolate(wattPf, activePercent), 0.01, 1);
            var absorbing = Nearest(wattPf, activePercent).Excitation == true;
            var q = Math.Abs(activePercent) * Math.Tan(Math.Acos(factor));
            return (ReactiveMode.WattPowerFactor, absorbing ? -q : q);
        }

        if (functions.FixedVar is { } fixedVar)
        {
            return (ReactiveMode.ConstantVar, fixedVar.Percent);
        }

        return (ReactiveMode.None, 0);
    }

    /// <summary>
    /// The soonest trip or momentary cessation the curves in force ask for at these conditions, if the excursion
    /// lasts: a must-trip or momentary-cessation curve point (duration x, threshold y) is crossed when the voltage or
    /// frequency is at or beyond y; the device must act once it has been so for x seconds.
    /// </summary>
    public static TripCheck? SoonestTrip(Ieee1547Functions functions, GridConditions at)
    {
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(at);
        TripCheck? soonest = null;
        void Check(Curve? curve, string name, double value, bool high)
        {
            if (curve is null)
            {
                return;
            }

            foreach (var point in curve.Points)
            {
                var crossed = high ? value >= point.Y : value <= point.Y;
                if (crossed && (soonest is null || point.X < soonest.After.TotalSeconds))
                {
                    soonest = new TripCheck(name, TimeSpan.FromSeconds(Math.Max(0, point.X)));
                }
            }
        }

        Check(functions.HighVoltageMustTrip, "opModHVRTMustTrip", at.VoltagePercent, high: true);
        Check(functions.HighVoltageMomentaryCessation, "opModHVRTMomentaryCessation", at.VoltagePercent, high: true);
        Check(functions.LowVoltageMustTrip, "opModLVRTMustTrip", at.VoltagePercent, high: false);
        Check(functions.LowVoltageMomentaryCessation, "opModLVRTMomentaryCessation", at.VoltagePercent, high: false);
        Check(functions.HighFrequencyMustTrip, "opModHFRTMustTrip", at.FrequencyHz, high: true);
        Check(functions.LowFrequencyMustTrip, "opModLFRTMustTrip", at.FrequencyHz, high: false);
        return soonest;
    }

    /// <summary>Whether voltage and frequency lie inside the enter-service window (IEEE 1547 §4.10.2); no setting = no bound.</summary>
    public static bool InsideEnterServiceWindow(EnterServiceSetting? window, GridConditions at)
    {
        ArgumentNullException.ThrowIfNull(at);
        if (window is null)
        {
            return true;
        }

        return (window.LowVoltagePercent is not { } lv || at.VoltagePercent >= lv)
            && (window.HighVoltagePercent is not { } hv || at.VoltagePercent <= hv)
            && (window.LowFrequencyHz is not { } lf || at.FrequencyHz >= lf)
            && (window.HighFrequencyHz is not { } hf || at.FrequencyHz <= hf);
    }

    /// <summary>Piecewise-linear value of a curve at <paramref name="x"/>; beyond its ends, the end values.</summary>
    public static double Interpolate(Curve curve, double x)
    {
        ArgumentNullException.ThrowIfNull(curve);
        var points = curve.Points.OrderBy(p => p.X).ToList();
        if (points.Count == 0)
        {
            return 100;
        }

        if (x <= points[0].X)
        {
            return points[0].Y;
        }

        for (var i = 1; i < points.Count; i++)
        {
            var (a, b) = (points[i - 1], points[i]);
            if (x <= b.X)
            {
                return b.X == a.X ? b.Y : a.Y + ((b.Y - a.Y) * (x - a.X) / (b.X - a.X));
            }
        }

        return points[^1].Y;
    }

    private static CurvePoint Nearest(Curve curve, double x) => curve.Points.MinBy(p => Math.Abs(p.X - x))!;
}
