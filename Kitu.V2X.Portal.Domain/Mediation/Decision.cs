namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>Which limit set the commanded power.</summary>
public enum PowerLimit
{
    Request,
    Grid,
    EvseRating,
    Vehicle,
    SiteHeadroom,
    Program,
}

/// <summary>Which limit set the end of the command.</summary>
public enum EndLimit
{
    EventEnd,
    SocFloor,
    Departure,
    SiteHours,
    DriverWindow,
}

/// <summary>
/// The answer to "may this vehicle discharge at this EVSE for this event now?": accepted with a clamped power
/// and end, or refused with every reason that applies.
/// </summary>
public sealed record Decision
{
    public required bool Accepted { get; init; }

    /// <summary>The commanded discharge power, kW (0 when refused).</summary>
    public double Kw { get; init; }

    /// <summary>When the command ends (equals the decision time when refused).</summary>
    public DateTimeOffset Until { get; init; }

    public PowerLimit PowerLimitedBy { get; init; }

    public EndLimit EndLimitedBy { get; init; }

    public IReadOnlyList<Reason> Reasons { get; init; } = [];

    public bool Has(ReasonCode code)
    {
        foreach (var r in Reasons)
        {
            if (r.Code == code)
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() =>
        Accepted ? $"accepted {Kw:0.##} kW until {Until:O}" : "refused: " + string.Join("; ", Reasons);
}

/// <summary>The monitor's verdict on a running command.</summary>
public sealed record MonitorVerdict(bool Continue, IReadOnlyList<Reason> Reasons)
{
    public static MonitorVerdict KeepGoing { get; } = new(true, []);

    public static MonitorVerdict Stop(IReadOnlyList<Reason> reasons) => new(false, reasons);
}

/// <summary>A command being executed: what was commanded, for the monitor to check it against new facts.</summary>
public sealed record RunningCommand(Guid CommandId, double Kw, DateTimeOffset Until);
