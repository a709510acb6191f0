using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Simulation;

namespace Kitu.V2X.Portal.Tests.Simulation;

/// <summary>A virtual EVSE's inverter applies the IEEE 1547 functions over time: trips, cease, enter service, ramps.</summary>
public sealed class SimulatedInverterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 15, 17, 0, 0, TimeSpan.Zero);
    private static readonly EnterServiceSetting Window = new(10, 60.1, 105, 59.5, 91.7, 5, 0);

    [Fact]
    public void A_sustained_over_voltage_trips_it_and_it_enters_service_again_after_the_delay_then_ramps()
    {
        var inverter = new SimulatedInverter(10);
        inverter.Apply(new Ieee1547Functions { HighVoltageMustTrip = new Curve("HV", 5, [new(2, 110)], 4), EnterService = Window }, T0);
        Assert.Equal(10, inverter.ExportCapKw(T0));

        inverter.VoltageV = 240 * 1.12;
        Assert.Equal(10, inverter.ExportCapKw(T0.AddSeconds(1))); // the excursion has not lasted 2 s yet
        Assert.Equal(0, inverter.ExportCapKw(T0.AddSeconds(3.5)));
        Assert.Equal(EvseGridState.Tripped, inverter.StateAt(T0.AddSeconds(3.5)));
        Assert.Equal("opModHVRTMustTrip", inverter.Tripped);

        inverter.VoltageV = 240;
        Assert.Equal(0, inverter.ExportCapKw(T0.AddSeconds(4)));
        Assert.Equal(EvseGridState.EnteringService, inverter.StateAt(T0.AddSeconds(4)));
        Assert.Equal(0, inverter.ExportCapKw(T0.AddSeconds(13.9))); // 10 s enter-service delay from 4 s
        Assert.Equal(0, inverter.ExportCapKw(T0.AddSeconds(14)));
        Assert.Equal(EvseGridState.EnteringService, inverter.StateAt(T0.AddSeconds(14))); // the ramp is part of entering service
        Assert.Equal(5, inverter.ExportCapKw(T0.AddSeconds(16.5)), 6); // halfway up the 5 s ramp
        Assert.Equal(10, inverter.ExportCapKw(T0.AddSeconds(20)));
        Assert.Equal(EvseGridState.InService, inverter.StateAt(T0.AddSeconds(20)));
    }

    [Fact]
    public void After_a_cease_to_energize_it_waits_inside_the_window_before_it_exports_again()
    {
        var inverter = new SimulatedInverter(10);
        inverter.Apply(new Ieee1547Functions { Energize = false, EnterService = Window }, T0);
        Assert.Equal(EvseGridState.Ceased, inverter.StateAt(T0));
        Assert.Equal(0, inverter.ExportCapKw(T0.AddSeconds(1)));

        inverter.VoltageV = 240 * 1.06; // above the 105 % window: no entering service
        inverter.Apply(new Ieee1547Functions { EnterService = Window }, T0.AddSeconds(2));
        Assert.Equal(0, inverter.ExportCapKw(T0.AddSeconds(30)));

        inverter.VoltageV = 240;
        Assert.Equal(0, inverter.ExportCapKw(T0.AddSeconds(31)));
        Assert.True(inverter.ExportCapKw(T0.AddSeconds(46)) > 9.99);
    }

    [Fact]
    public void Volt_watt_lowers_the_cap_and_a_new_limit_is_reached_over_the_ramp_time()
    {
        var inverter = new SimulatedInverter(10);
        var voltWatt = new Curve("VW", 12, [new(106, 100), new(110, 0)], 1);
        inverter.Apply(new Ieee1547Functions { VoltWatt = voltWatt }, T0);
        inverter.VoltageV = 240 * 1.08;
        Assert.Equal(5, inverter.ExportCapKw(T0), 6);

        inverter.VoltageV = 240;
        inverter.Apply(new Ieee1547Functions { MaxLimitPercent = 20, RampSeconds = 10 }, T0);
        Assert.Equal(10, inverter.ExportCapKw(T0), 6);
        Assert.Equal(6, inverter.ExportCapKw(T0.AddSeconds(5)), 6);
        Assert.Equal(2, inverter.ExportCapKw(T0.AddSeconds(10)), 6);
    }

    [Fact]
    public void Reactive_power_follows_the_function_in_force()
    {
        var inverter = new SimulatedInverter(10);
        inverter.Apply(new Ieee1547Functions { FixedPowerFactorInject = new PowerFactorSetting(0.95, Absorbing: false) }, T0);
        Assert.Equal(3.287, inverter.ReactiveKvar(10), 3);

        inverter.Apply(new Ieee1547Functions { TargetVar = -2000 }, T0);
        Assert.Equal(-2, inverter.ReactiveKvar(10), 6);
    }
}
