namespace Kitu.V2X.Portal.Domain.ConsumerSupport;

/// <summary>
/// What the driver (or, for a fleet car, the site owner) agrees to for one vehicle (seed §2.6, §3.1.1.1).
/// Times are local to <see cref="TimeZoneId"/>.
/// </summary>
public sealed class DischargePreferences
{
    public const double DefaultSocFloorPercent = 40;

    public Guid VehicleId { get; set; }

    /// <summary>Consent to discharge at all. Off by default: nothing happens without the driver's yes.</summary>
    public bool Consent { get; set; }

    /// <summary>Discharge never takes the battery below this.</summary>
    public double SocFloorPercent { get; set; } = DefaultSocFloorPercent;

    /// <summary>One entry per weekday at most: when the car must be ready, and how full.</summary>
    public List<Departure> Departures { get; set; } = [];

    /// <summary>"Not today": no discharge until this instant (local midnight when set).</summary>
    public DateTimeOffset? NotTodayUntil { get; set; }

    /// <summary>When discharge may happen; empty means any time.</summary>
    public List<DailyWindow> AllowedWindows { get; set; } = [];

    /// <summary>Discharge only at the chargers in <see cref="TrustedEvseIds"/>.</summary>
    public bool OnlyTrustedChargers { get; set; }

    public List<Guid> TrustedEvseIds { get; set; } = [];

    public string TimeZoneId { get; set; } = "UTC";

    public Departure? DepartureOn(DayOfWeek day)
    {
        foreach (var d in Departures)
        {
            if (d.Day == day)
            {
                return d;
            }
        }

        return null;
    }
}

/// <summary>On <paramref name="Day"/> at <paramref name="Time"/> (local) the car must hold at least <paramref name="TargetSocPercent"/>.</summary>
public readonly record struct Departure(DayOfWeek Day, TimeOnly Time, double TargetSocPercent);
