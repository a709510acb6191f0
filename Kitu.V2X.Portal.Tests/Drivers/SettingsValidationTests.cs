using Kitu.V2X.Portal.Drivers;

namespace Kitu.V2X.Portal.Tests.Drivers;

public sealed class SettingsValidationTests
{
    [Fact]
    public void A_departure_target_below_the_floor_is_named_for_its_day()
    {
        var form = new SettingsForm { SocFloorPercent = 60, Departures = [new DepartureForm { Day = DayOfWeek.Monday, Enabled = true, TargetSocPercent = 50 }] };

        var errors = DriverSettings.Validate(form);

        Assert.Equal("The 50 % target for Monday is below your 60 % floor; raise the target or lower the floor.", errors["departure.Monday"]);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(95)]
    [InlineData(double.NaN)]
    public void A_floor_outside_ten_to_ninety_percent_is_refused(double floor) =>
        Assert.True(DriverSettings.Validate(new SettingsForm { SocFloorPercent = floor }).ContainsKey("floor"));

    [Fact]
    public void A_window_that_ends_when_it_starts_is_refused_but_one_over_midnight_is_fine()
    {
        var form = new SettingsForm
        {
            Windows = [new WindowForm { Start = new(18, 0, 0), End = new(18, 0, 0) }, new WindowForm { Start = new(22, 0, 0), End = new(6, 0, 0) }],
        };

        var errors = DriverSettings.Validate(form);

        Assert.True(errors.ContainsKey("window.0"));
        Assert.False(errors.ContainsKey("window.1"));
    }

    [Fact]
    public void Only_trusted_chargers_needs_at_least_one_trusted_charger() =>
        Assert.True(DriverSettings.Validate(new SettingsForm { OnlyTrustedChargers = true }).ContainsKey("trusted"));

    [Fact]
    public void Sensible_settings_pass() =>
        Assert.Empty(DriverSettings.Validate(new SettingsForm
        {
            SocFloorPercent = 40,
            Departures = [new DepartureForm { Day = DayOfWeek.Friday, Enabled = true, TargetSocPercent = 80 }],
            Windows = [new WindowForm()],
        }));
}
