using Kitu.V2X.Portal.Presentation;

namespace Kitu.V2X.Portal.Tests.Presentation;

/// <summary>Times always in one named zone, money always with its currency.</summary>
public sealed class ClockAndMoneyTests
{
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
    private static readonly TimeZoneInfo Helsinki = TimeZoneInfo.FindSystemTimeZoneById("Europe/Helsinki");
    private static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");
    private static readonly DateTimeOffset Winter = new(2026, 12, 8, 2, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Summer = new(2026, 7, 8, 1, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_time_is_shown_on_the_zone_s_clock_with_the_zone_named_daylight_saving_included()
    {
        Assert.Equal("18:30 PST", Clock.Time(Winter, LosAngeles));
        Assert.Equal("18:30 PDT", Clock.Time(Summer, LosAngeles));
        Assert.Equal("02:30 UTC", Clock.Time(Winter, TimeZoneInfo.Utc));
        Assert.Equal("04:30 UTC+2", Clock.Time(Winter, Helsinki));
        Assert.Equal("04:30 UTC+3", Clock.Time(Summer, Helsinki));
        Assert.Equal("08:00 IST", Clock.Time(Winter, Kolkata)); // "India Standard Time"
        Assert.Equal("02:30 UTC+5:45", Clock.Time(Winter.AddMinutes(-45 - 300), TimeZoneInfo.FindSystemTimeZoneById("Asia/Kathmandu")));
    }

    [Fact]
    public void Dates_and_spans_name_the_zone_once_and_cross_midnight_plainly()
    {
        Assert.Equal("Dec 7, 18:30 PST", Clock.DateTime(Winter, LosAngeles));
        Assert.Equal("Dec 7, 18:00–18:30 PST", Clock.Span(Winter.AddMinutes(-30), Winter, LosAngeles));
        Assert.Equal("Dec 7, 23:30 – Dec 8, 00:30 PST", Clock.Span(Winter.AddHours(5), Winter.AddHours(6), LosAngeles));
    }

    [Fact]
    public void A_zone_has_a_readable_name_and_an_unknown_id_falls_back_to_utc()
    {
        Assert.Contains("Los Angeles", Clock.ZoneName(LosAngeles), StringComparison.Ordinal);
        Assert.DoesNotContain("(UTC", Clock.ZoneName(LosAngeles), StringComparison.Ordinal);
        Assert.Same(TimeZoneInfo.Utc, Clock.Zone("Mars/Olympus_Mons"));
        Assert.Same(TimeZoneInfo.Utc, Clock.Zone(null));
        Assert.Equal(LosAngeles.Id, Clock.Zone("America/Los_Angeles").Id);
    }

    [Fact]
    public void Money_carries_its_currency()
    {
        Assert.Equal("$1.25", Money.Format(1.25m, "USD"));
        Assert.Equal("€0.40", Money.Format(0.4m, "eur"));
        Assert.Equal("£3.00", Money.Format(3, "GBP"));
        Assert.Equal("12.50 SEK", Money.Format(12.5m, "SEK"));
        Assert.Equal("$2.00 CAD", Money.Format(2, "CAD"));
        Assert.Equal("−$1.00", Money.Format(-1, "USD"));
        Assert.Equal("$0.25/kWh", Money.PerKwh(0.25m, "USD"));
    }

    [Fact]
    public void A_total_over_several_currencies_keeps_them_apart()
    {
        Assert.Equal("$3.10", Money.Total([(1.10m, "USD"), (2m, "USD")]));
        Assert.Equal("€0.40 + $1.00", Money.Total([(1m, "USD"), (0.4m, "EUR")]));
        Assert.Equal("$0.00", Money.Total([]));
    }
}
