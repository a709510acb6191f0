namespace Kitu.V2X.Portal.Domain.ConsumerSupport;

/// <summary>The three use cases of the seed paper (§1.4).</summary>
public enum SiteKind
{
    /// <summary>A homeowner's garage or driveway: no sessions, the car is recognised by its identifier.</summary>
    Home,

    /// <summary>A fleet depot, condo or office lot: drivers claim a charger.</summary>
    Private,

    /// <summary>Paid public charging.</summary>
    Public,
}

/// <summary>A place with chargers, owned by a site owner (a homeowner or a fleet manager).</summary>
public sealed class Site
{
    public Guid Id { get; set; } = Guid.NewGuid();

    /// <summary>The owning account's id (consumer side only).</summary>
    public required string OwnerId { get; set; }

    public required string Name { get; set; }

    public string? Address { get; set; }

    public SiteKind Kind { get; set; }

    /// <summary>The utility serving the site; programs may be limited to it.</summary>
    public required string UtilityName { get; set; }

    /// <summary>IANA time zone of the site, for its allowed hours.</summary>
    public string TimeZoneId { get; set; } = "UTC";

    public SitePolicy Policy { get; set; } = new();
}

/// <summary>Optional rules a site owner sets over every charger and car at the site.</summary>
public sealed record SitePolicy
{
    /// <summary>A floor that applies over the driver's when it is higher.</summary>
    public double? SocFloorPercent { get; init; }

    /// <summary>When discharge may happen at the site, in the site's local time; null = any time.</summary>
    public DailyWindow? AllowedHours { get; init; }

    /// <summary>The most the whole site may export at once; the mediator keeps running commands under it.</summary>
    public double? MaxExportKw { get; init; }
}

/// <summary>A daily span of local time, [Start, End). End before Start crosses midnight (22:00–06:00).</summary>
public readonly record struct DailyWindow(TimeOnly Start, TimeOnly End)
{
    public bool Contains(TimeOnly t) => Start <= End ? t >= Start && t < End : t >= Start || t < End;

    /// <summary>How long from <paramref name="t"/> (inside the window) until it closes.</summary>
    public TimeSpan RemainingFrom(TimeOnly t)
    {
        var remaining = End.ToTimeSpan() - t.ToTimeSpan();
        return remaining <= TimeSpan.Zero ? remaining + TimeSpan.FromDays(1) : remaining;
    }

    public override string ToString() => $"{Start:HH\\:mm}–{End:HH\\:mm}";
}
