using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// The grid side of a virtual EVSE's inverter: it applies every IEEE 1547 function in force at a simulated grid
/// voltage and frequency — the export cap (limit, volt-watt, frequency-watt or droop), cease to energize and
/// disconnect, must-trip and momentary-cessation curves, the enter-service delay, window and ramp after a trip or a
/// cease, the ramp time of new settings, and the reactive power (power factor, volt-var, watt-var, watt-PF, fixed var).
/// Not thread-safe: the virtual EVSE calls it under its own lock.
/// </summary>
public sealed class SimulatedInverter(double ratedDischargeKw, double nominalVoltageV = 240, double nominalFrequencyHz = 60)
{
    private DateTimeOffset? excursionSince;
    private DateTimeOffset? outOfServiceSince;
    private DateTimeOffset? windowOkSince;
    private DateTimeOffset? inServiceSince;
    private double capBeforeChange = 100;
    private DateTimeOffset? capChangedAt;

    public Ieee1547Functions Functions { get; private set; } = Ieee1547Functions.None;

    /// <summary>The simulated grid voltage at the EVSE, volts.</summary>
    public double VoltageV { get; set; } = nominalVoltageV;

    /// <summary>The simulated grid frequency at the EVSE, hertz.</summary>
    public double FrequencyHz { get; set; } = nominalFrequencyHz;

    public double NominalVoltageV { get; } = nominalVoltageV;

    public double NominalFrequencyHz { get; } = nominalFrequencyHz;

    /// <summary>The trip or momentary-cessation function that took the inverter out of service, if any.</summary>
    public string? Tripped { get; private set; }

    /// <summary>Out of service (ceased, tripped, or waiting to enter service again).</summary>
    public bool OutOfService => outOfServiceSince is not null;

    /// <summary>The state the EVSE reports towards the grid; the enter-service ramp is part of entering service (IEEE 1547 §4.10.3).</summary>
    public Domain.Mediation.EvseGridState StateAt(DateTimeOffset now) =>
        Functions.Energize == false || Functions.Connect == false ? Domain.Mediation.EvseGridState.Ceased
        : Tripped is not null && excursionSince is not null ? Domain.Mediation.EvseGridState.Tripped
        : OutOfService || Ramping(now) ? Domain.Mediation.EvseGridState.EnteringService
        : Domain.Mediation.EvseGridState.InService;

    /// <summary>Still ramping up after entering service.</summary>
    public bool Ramping(DateTimeOffset now) =>
        inServiceSince is { } since && (Functions.EnterService?.RampSeconds ?? 0) is > 0 and var ramp && (now - since).TotalSeconds < ramp;

    public GridConditions Conditions => new(VoltageV / NominalVoltageV * 100, FrequencyHz, NominalFrequencyHz);

    public void Apply(Ieee1547Functions functions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var before = RawCapPercent();
        Functions = functions;
        Advance(now);
        var after = RawCapPercent();
        if (after != before && functions.RampSeconds is > 0)
        {
            capBeforeChange = CurrentCapPercent(now, before);
            capChangedAt = now;
        }
    }

    /// <summary>Moves the trip, cease and enter-service state on to <paramref name="now"/>.</summary>
    public void Advance(DateTimeOffset now)
    {
        var f = Functions;
        var at = Conditions;
        if (GridResponse.SoonestTrip(f, at) is { } trip)
        {
            excursionSince ??= now;
            if (now - excursionSince >= trip.After && Tripped is null)
            {
                Tripped = trip.Function;
                TakeOutOfService(now);
            }
        }
        else
        {
            excursionSince = null;
        }

        if (f.Energize == false || f.Connect == false)
        {
            TakeOutOfService(now);
            windowOkSince = null;
            return;
        }

        if (outOfServiceSince is null)
        {
            return;
        }

        // Enter service (IEEE 1547 §4.10): inside the window for the delay, then ramp up.
        if (excursionSince is not null || !GridResponse.InsideEnterServiceWindow(f.EnterService, at))
        {
            windowOkSince = null;
            return;
        }

        windowOkSince ??= now;
        var delay = TimeSpan.FromSeconds((f.EnterService?.DelaySeconds ?? 0) + (f.EnterService?.RandomDelaySeconds ?? 0));
        if (now - windowOkSince >= delay)
        {
            inServiceSince = windowOkSince + delay; // when it entered, even if nobody asked until later
            outOfServiceSince = null;
            windowOkSince = null;
            Tripped = null;
        }
    }

    /// <summary>The most the inverter may export now, kW.</summary>
    public double ExportCapKw(DateTimeOffset now)
    {
        Advance(now);
        if (OutOfService)
        {
            return 0;
        }

        var cap = CurrentCapPercent(now, RawCapPercent());
        var ramp = Functions.EnterService?.RampSeconds ?? 0;
        if (inServiceSince is { } since && ramp > 0)
        {
            cap *= Math.Clamp((now - since).TotalSeconds / ramp, 0, 1);
        }

        return ratedDischargeKw * cap / 100;
    }

    /// <summary>The reactive power asked for while exporting <paramref name="activeKw"/> (negative = importing), kvar, positive = injecting.</summary>
    public double ReactiveKvar(double activeKw)
    {
        if (OutOfService || ratedDischargeKw <= 0)
        {
            return 0;
        }

        if (Functions.TargetVar is { } target)
        {
            return target / 1000;
        }

        var (_, percent) = GridResponse.Reactive(Functions, Conditions, activeKw / ratedDischargeKw * 100);
        return Math.Round(ratedDischargeKw * percent / 100, 3);
    }

    private double RawCapPercent() => GridResponse.ExportCapPercent(Functions, Conditions);

    /// <summary>A new cap is reached over the settings' ramp time (<c>rampTms</c>), not at once.</summary>
    private double CurrentCapPercent(DateTimeOffset now, double target)
    {
        var ramp = Functions.RampSeconds ?? 0;
        if (capChangedAt is not { } changed || ramp <= 0)
        {
            return target;
        }

        var done = (now - changed).TotalSeconds / ramp;
        if (done >= 1)
        {
            capChangedAt = null;
            return target;
        }

        return capBeforeChange + ((target - capBeforeChange) * done);
    }

    private void TakeOutOfService(DateTimeOffset now)
    {
        outOfServiceSince ??= now;
        inServiceSince = null;
    }
}
