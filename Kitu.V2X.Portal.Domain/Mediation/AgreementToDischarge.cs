using System.Globalization;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>
/// Agreement to discharge (seed §2.6): discharge happens only when both the EVSE and the EV agree, the grid's
/// rules allow it and the program's event is the one in force. Pure and deterministic: the same input gives
/// the same decision. Every reason that applies is listed, never just the first.
/// </summary>
public static partial class AgreementToDischarge
{
    /// <summary>A command shorter than this is not worth sending; the binding limit becomes the refusal reason.</summary>
    public static readonly TimeSpan MinimumRun = TimeSpan.FromMinutes(1);

    /// <summary>A total target with less than this left is met: a smaller share is not worth a command.</summary>
    public const double TargetMetBelowKw = 0.5;

    private static readonly CultureInfo Text = CultureInfo.InvariantCulture;

    public static Decision Decide(DecisionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = input.Now;
        var offer = input.Event;
        var evse = input.Evse;
        var car = input.Vehicle;
        List<Reason>? reasons = null;

        if (!offer.Cancelled && now < offer.Start)
        {
            Add(ref reasons, ReasonCode.ProgramEventNotStarted, $"{offer.ProgramName}'s event starts at {Clock(offer.Start, input.DriverTimeZone)}.");
        }
        else if (!offer.Cancelled && now >= offer.End)
        {
            Add(ref reasons, ReasonCode.ProgramEventEnded, $"{offer.ProgramName}'s event ended at {Clock(offer.End, input.DriverTimeZone)}.");
        }

        CheckStandingConditions(input, ref reasons);

        // The power: the smallest of every limit that applies.
        var kw = offer.RequestedKw;
        var poweredBy = PowerLimit.Request;
        if (input.Grid.IsIntegratedAt(now))
        {
            Limit(ref kw, ref poweredBy, input.Grid.ExportCapKw(evse.RatedDischargeKw, evse.GridConditions), PowerLimit.Grid);
        }

        Limit(ref kw, ref poweredBy, evse.RatedDischargeKw, PowerLimit.EvseRating);
        Limit(ref kw, ref poweredBy, car.MaxDischargeKw, PowerLimit.Vehicle);
        if (evse.SiteExportHeadroomKw is { } headroom)
        {
            Limit(ref kw, ref poweredBy, headroom, PowerLimit.SiteHeadroom);
            if (headroom <= 0)
            {
                Add(ref reasons, ReasonCode.EvseSiteExportCapReached, $"The site is already exporting its maximum of {Kw(evse.SitePolicy.MaxExportKw ?? 0)}.");
            }
        }

        if (offer.ProgramMaxKwPerVehicle is { } programMax)
        {
            Limit(ref kw, ref poweredBy, programMax, PowerLimit.Program);
        }

        if (offer.RemainingTargetKw is { } remaining)
        {
            Limit(ref kw, ref poweredBy, remaining, PowerLimit.Request);
            if (remaining < TargetMetBelowKw)
            {
                Add(ref reasons, ReasonCode.ProgramTargetReached, $"{offer.ProgramName}'s event already has the power it asked for from other cars.");
            }
        }

        if (evse.RatedDischargeKw <= 0)
        {
            Add(ref reasons, ReasonCode.EvseCannotDischarge, $"{evse.Name} cannot discharge: it is not a bidirectional charger.");
        }

        if (car.MaxDischargeKw <= 0)
        {
            Add(ref reasons, ReasonCode.EvCannotDischarge, "This car cannot discharge: it is not bidirectional.");
        }

        // The end: the earliest of the event's end, the floor, the departure plan and the allowed hours.
        var until = offer.End;
        var endedBy = EndLimit.EventEnd;
        if (kw > 0 && car.BatteryKwh > 0)
        {
            var floor = EffectiveFloor(input);
            var aboveFloorKwh = (car.SocPercent - floor) / 100.0 * car.BatteryKwh;
            var floorHours = aboveFloorKwh / kw;
            if (car.SocPercent > floor && floorHours * 60 < MinimumRun.TotalMinutes)
            {
                Add(ref reasons, ReasonCode.EvSocAtFloor, $"Your car is at {Percent(car.SocPercent)}, too close to {FloorOwner(input, floor)} {Percent(floor)} floor to discharge.");
            }

            Earlier(ref until, ref endedBy, now, floorHours, EndLimit.SocFloor);

            if (NextDeparture(input) is { } departure)
            {
                var hours = DepartureHours(input, departure, kw);
                if (hours * 60 < MinimumRun.TotalMinutes)
                {
                    Add(ref reasons, ReasonCode.EvDepartureTargetUnreachable,
                        $"Discharging now would leave your car below {Percent(departure.Target.TargetSocPercent)} at your {Clock(departure.At, input.DriverTimeZone)} departure.");
                }

                Earlier(ref until, ref endedBy, now, hours, EndLimit.Departure);
            }

            if (evse.SitePolicy.AllowedHours is { } siteHours)
            {
                var local = LocalTime(now, evse.SiteTimeZone);
                if (siteHours.Contains(local))
                {
                    Earlier(ref until, ref endedBy, now, siteHours.RemainingFrom(local).TotalHours, EndLimit.SiteHours);
                }
            }

            if (ContainingWindow(input) is { } window)
            {
                Earlier(ref until, ref endedBy, now, window.RemainingFrom(LocalTime(now, input.DriverTimeZone)).TotalHours, EndLimit.DriverWindow);
            }
        }

        return reasons is null
            ? new Decision { Accepted = true, Kw = kw, Until = until, PowerLimitedBy = poweredBy, EndLimitedBy = endedBy }
            : new Decision { Accepted = false, Kw = 0, Until = now, Reasons = reasons, PowerLimitedBy = poweredBy, EndLimitedBy = endedBy };
    }

    /// <summary>
    /// Checks a running command against new facts: continue, or stop with every reason. A stop because a limit
    /// tightened (grid limit lowered, departure at risk) lets the mediator decide again at the new limit.
    /// </summary>
    public static MonitorVerdict Monitor(RunningCommand command, DecisionInput current)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(current);
        var now = current.Now;
        List<Reason>? reasons = null;

        if (now >= command.Until || now >= current.Event.End)
        {
            Add(ref reasons, ReasonCode.ProgramEventEnded, $"The discharge window ended at {Clock(command.Until < current.Event.End ? command.Until : current.Event.End, current.DriverTimeZone)}.");
        }

        CheckStandingConditions(current, ref reasons);

        var grid = current.Grid;
        if (grid.IsIntegratedAt(now))
        {
            var cap = grid.ExportCapKw(current.Evse.RatedDischargeKw, current.Evse.GridConditions);
            if (cap > 0 && cap < command.Kw - 1e-9)
            {
                Add(ref reasons, ReasonCode.GridLimitLowered, $"The utility lowered this charger's export limit to {Kw(cap)}, below the {Kw(command.Kw)} being discharged.");
            }
        }

        if (NextDeparture(current) is { } departure && command.Kw > 0)
        {
            var hours = DepartureHours(current, departure, command.Kw);
            if (now.AddHours(hours) + MinimumRun < command.Until)
            {
                Add(ref reasons, ReasonCode.EvDepartureTargetUnreachable,
                    $"Discharging any longer would leave your car below {Percent(departure.Target.TargetSocPercent)} at your {Clock(departure.At, current.DriverTimeZone)} departure.");
            }
        }

        return reasons is null ? MonitorVerdict.KeepGoing : MonitorVerdict.Stop(reasons);
    }

    /// <summary>The floor that applies: the driver's, or the site's when it is higher.</summary>
    public static double EffectiveFloor(DecisionInput input) =>
        Math.Max(input.Preferences.SocFloorPercent, input.Evse.SitePolicy.SocFloorPercent ?? 0);

    private readonly record struct NextDepartureAt(DateTimeOffset At, Departure Target);

    /// <summary>The next departure after now within a week, in the driver's time zone.</summary>
    private static NextDepartureAt? NextDeparture(DecisionInput input)
    {
        var departures = input.Preferences.Departures;
        if (departures.Count == 0)
        {
            return null;
        }

        var zone = input.DriverTimeZone;
        var local = TimeZoneInfo.ConvertTime(input.Now, zone);
        for (var day = 0; day <= 7; day++)
        {
            var date = local.Date.AddDays(day);
            if (input.Preferences.DepartureOn(date.DayOfWeek) is not { } departure)
            {
                continue;
            }

            var localAt = date + departure.Time.ToTimeSpan();
            var at = new DateTimeOffset(localAt, zone.GetUtcOffset(localAt));
            if (at > input.Now)
            {
                return new NextDepartureAt(at, departure);
            }
        }

        return null;
    }

    /// <summary>
    /// How long discharge at <paramref name="kw"/> may last so that charging at the EVSE's rate from then until
    /// the departure still reaches the target: B·(S−T) + Pc·(Δ−d) − P·d ≥ 0 ⇒ d ≤ (B·(S−T) + Pc·Δ) / (P + Pc).
    /// </summary>
    private static double DepartureHours(DecisionInput input, NextDepartureAt departure, double kw)
    {
        var battery = input.Vehicle.BatteryKwh;
        var untilDeparture = (departure.At - input.Now).TotalHours;
        var chargeKw = Math.Max(0, input.Evse.RatedChargeKw);
        var spareKwh = battery * (input.Vehicle.SocPercent - departure.Target.TargetSocPercent) / 100.0;
        var hours = (spareKwh + chargeKw * untilDeparture) / (kw + chargeKw);
        return Math.Min(hours, untilDeparture);
    }

    private static DailyWindow? ContainingWindow(DecisionInput input)
    {
        var windows = input.Preferences.AllowedWindows;
        if (windows.Count == 0)
        {
            return null;
        }

        var local = LocalTime(input.Now, input.DriverTimeZone);
        foreach (var w in windows)
        {
            if (w.Contains(local))
            {
                return w;
            }
        }

        return null;
    }

    private static void Limit(ref double kw, ref PowerLimit by, double limit, PowerLimit kind)
    {
        if (limit < kw)
        {
            kw = Math.Max(0, limit);
            by = kind;
        }
    }

    private static void Earlier(ref DateTimeOffset until, ref EndLimit by, DateTimeOffset now, double hours, EndLimit kind)
    {
        if (hours < (until - now).TotalHours)
        {
            until = now.AddHours(Math.Max(0, hours));
            by = kind;
        }
    }

    private static void Add(ref List<Reason>? reasons, ReasonCode code, string text) => (reasons ??= []).Add(new Reason(code, text));

    private static TimeOnly LocalTime(DateTimeOffset instant, TimeZoneInfo zone) => TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    private static string Clock(DateTimeOffset instant, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(instant, zone).ToString("HH:mm", Text);

    private static string Percent(double value) => value.ToString("0.#", Text) + " %";

    private static string Kw(double value) => value.ToString("0.##", Text) + " kW";

    private static string FloorOwner(DecisionInput input, double floor) =>
        input.Evse.SitePolicy.SocFloorPercent is { } site && site >= floor && site > input.Preferences.SocFloorPercent ? "the site's" : "your";
}
