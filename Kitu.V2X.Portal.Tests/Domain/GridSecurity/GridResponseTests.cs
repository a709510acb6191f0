using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

/// <summary>How the IEEE 1547 functions in force shape export and reactive power at given grid conditions.</summary>
public sealed class GridResponseTests
{
    private static readonly Curve VoltWatt = new("VW", 12, [new(106, 100), new(110, 0)], 1);
    private static readonly Curve FreqWatt = new("FW", 0, [new(60.036, 100), new(62, 0)], 1);
    private static readonly Curve VoltVar = new("VV", 11, [new(92, 44), new(98, 0), new(102, 0), new(108, -44)], 3);

    [Theory]
    [InlineData(100, 100)]
    [InlineData(106, 100)]
    [InlineData(108, 50)]
    [InlineData(110, 0)]
    [InlineData(115, 0)]
    public void Volt_watt_caps_export_at_the_measured_voltage(double voltagePercent, double cap) =>
        Assert.Equal(cap, GridResponse.ExportCapPercent(new Ieee1547Functions { VoltWatt = VoltWatt }, new GridConditions(voltagePercent, 60)), 6);

    [Fact]
    public void Frequency_watt_and_the_limit_combine_to_the_smaller_cap()
    {
        var f = new Ieee1547Functions { FrequencyWatt = FreqWatt, MaxLimitPercent = 80 };

        Assert.Equal(80, GridResponse.ExportCapPercent(f, new GridConditions(100, 60)), 6);
        Assert.Equal(50.0, GridResponse.ExportCapPercent(f, new GridConditions(100, 61.018)), 1);
    }

    [Fact]
    public void Frequency_droop_lowers_output_above_its_dead_band_by_one_per_unit_per_k()
    {
        var droop = new FreqDroopSetting(0.036, 0.036, 0.05, 0.05, 5);

        Assert.Equal(100, GridResponse.DroopCapPercent(droop, new GridConditions(100, 60.036)), 6);
        Assert.Equal(50, GridResponse.DroopCapPercent(droop, new GridConditions(100, 60.036 + 1.5)), 6); // 1.5 Hz = 0.025 pu = half of k
    }

    [Fact]
    public void Cease_to_energize_and_disconnect_allow_no_export()
    {
        Assert.Equal(0, GridResponse.ExportCapPercent(new Ieee1547Functions { Energize = false }));
        Assert.Equal(0, GridResponse.ExportCapPercent(new Ieee1547Functions { Connect = false }));
        Assert.Equal(100, GridResponse.ExportCapPercent(Ieee1547Functions.None));
    }

    [Fact]
    public void Constant_power_factor_sets_reactive_power_from_active_power()
    {
        var f = new Ieee1547Functions { FixedPowerFactorInject = new PowerFactorSetting(0.95, Absorbing: true), VoltVar = VoltVar };

        var (mode, percent) = GridResponse.Reactive(f, GridConditions.Nominal, 100);

        Assert.Equal(ReactiveMode.ConstantPowerFactor, mode); // one reactive function at a time: PF comes first
        Assert.Equal(-32.87, percent, 2);
    }

    [Fact]
    public void Volt_var_sets_reactive_power_from_voltage()
    {
        var f = new Ieee1547Functions { VoltVar = VoltVar };

        Assert.Equal((ReactiveMode.VoltVar, 22.0), GridResponse.Reactive(f, new GridConditions(95, 60), 50));
        Assert.Equal(-44, GridResponse.Reactive(f, new GridConditions(110, 60), 50).Percent);
    }

    [Fact]
    public void Must_trip_curves_say_when_an_excursion_trips_the_device()
    {
        var f = new Ieee1547Functions
        {
            HighVoltageMustTrip = new Curve("HV", 5, [new(0.16, 120), new(13, 110)], 4),
            LowFrequencyMustTrip = new Curve("LF", 7, [new(300, 58.5), new(0.16, 56.5)], 0),
        };

        Assert.Null(GridResponse.SoonestTrip(f, GridConditions.Nominal));
        Assert.Equal(new TripCheck("opModHVRTMustTrip", TimeSpan.FromSeconds(13)), GridResponse.SoonestTrip(f, new GridConditions(112, 60)));
        Assert.Equal(TimeSpan.FromSeconds(0.16), GridResponse.SoonestTrip(f, new GridConditions(121, 60))!.After);
        Assert.Equal("opModLFRTMustTrip", GridResponse.SoonestTrip(f, new GridConditions(100, 58))!.Function);
    }

    [Fact]
    public void The_enter_service_window_bounds_voltage_and_frequency()
    {
        var window = new EnterServiceSetting(300, 60.1, 105, 59.5, 91.7, 300, 0);

        Assert.True(GridResponse.InsideEnterServiceWindow(window, GridConditions.Nominal));
        Assert.False(GridResponse.InsideEnterServiceWindow(window, new GridConditions(106, 60)));
        Assert.False(GridResponse.InsideEnterServiceWindow(window, new GridConditions(100, 59.4)));
    }
}
