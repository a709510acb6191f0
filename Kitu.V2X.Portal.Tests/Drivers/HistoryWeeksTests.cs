using Kitu.V2X.Portal.Drivers;

namespace Kitu.V2X.Portal.Tests.Drivers;

public sealed class HistoryWeeksTests
{
    [Fact]
    public void Weeks_start_on_the_driver_s_monday_carry_a_date_label_and_empty_weeks_stay_in_place()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var now = new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero); // Monday Dec 7, 18:00 in Los Angeles
        HistoryRow Row(DateTimeOffset at, double kwh) => new(at, "Car", "P", "C", "completed", kwh, 0, "");

        var weeks = DriverHistory.Weekly(
            [Row(now.AddHours(-1), 1.5), Row(now.AddDays(-14), 2), Row(new DateTimeOffset(2026, 12, 7, 7, 0, 0, TimeSpan.Zero), 4)],
            zone,
            now,
            weeks: 4);

        // Dec 7 07:00 UTC is still Sunday Dec 6 in Los Angeles: it counts for the week of Nov 30.
        Assert.Equal([("Nov 16", 0.0), ("Nov 23", 2.0), ("Nov 30", 4.0), ("Dec 7", 1.5)], weeks);
    }
}
