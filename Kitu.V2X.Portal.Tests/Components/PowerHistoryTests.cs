using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Sites;
using Microsoft.Extensions.Time.Testing;

namespace Kitu.V2X.Portal.Tests.Components;

public sealed class PowerHistoryTests
{
    [Fact]
    public void Reports_become_average_charge_and_discharge_per_hour_summed_over_chargers()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var history = new PowerHistory(new EvseConnections(clock), clock);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        for (var minute = 0; minute < 30; minute++)
        {
            history.Record(a, -6); // discharging 6 kW for half an hour
            history.Record(b, 11); // charging 11 kW for half an hour
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var hours = history.Hourly([a, b]);

        Assert.Equal(24, hours.Count);
        var ten = hours.Single(h => h.Hour.Hour == 10);
        Assert.Equal(-3, ten.DischargeKw);
        Assert.Equal(5.5, ten.ChargeKw);
        Assert.All(hours.Where(h => h.Hour.Hour != 10), h => Assert.Equal((0.0, 0.0), (h.ChargeKw, h.DischargeKw)));
        Assert.Equal(0, history.Hourly([Guid.NewGuid()]).Sum(h => h.ChargeKw));
    }

    [Fact]
    public void An_idle_charger_keeps_no_series_until_its_first_power_and_then_its_zeros_count()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var history = new PowerHistory(new EvseConnections(clock), clock);
        var idle = Guid.NewGuid();
        for (var i = 0; i < 5; i++)
        {
            history.Record(idle, 0);
        }

        Assert.Equal(0, history.SeriesCount); // thousands of idle links cost nothing here
        Assert.All(history.Hourly([idle]), h => Assert.Equal((0.0, 0.0), (h.ChargeKw, h.DischargeKw)));

        history.Record(idle, -12);
        history.Record(idle, 0); // the same minute: 12 kW for half of the reports
        Assert.Equal(1, history.SeriesCount);
        Assert.Equal(-0.1, history.Hourly([idle]).Single(h => h.Hour.Hour == 10).DischargeKw); // -6 kW for one minute of 60
    }
}
