using System.Text.Json;
using Kitu.V2X.Portal.Ocpp;

namespace Kitu.V2X.Portal.Tests.Ocpp;

/// <summary>A station's meter values as the portal reads them: power given, or told from the energy registers' change.</summary>
public sealed class OcppMeterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 18, 0, 0, TimeSpan.Zero);

    private static JsonElement Values(string json) => JsonDocument.Parse(json).RootElement;

    private static string At(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    [Fact]
    public void Power_is_import_less_export_in_kilowatts_phases_skipped_and_soc_kept()
    {
        var reading = OcppMeter.Read(Values($$$"""
            [{"timestamp":"{{{At(T0)}}}","sampledValue":[
              {"value":0,"measurand":"Power.Active.Import","unitOfMeasure":{"unit":"W"}},
              {"value":5.2,"measurand":"Power.Active.Export","unitOfMeasure":{"unit":"kW"}},
              {"value":1700,"measurand":"Power.Active.Export","phase":"L1"},
              {"value":64,"measurand":"SoC","unitOfMeasure":{"unit":"Percent"}}]}]
            """), null);
        Assert.Equal(-5.2, reading.PowerKw!.Value, 6);
        Assert.Equal(64, reading.SocPercent);
        Assert.Null(reading.Registers); // no register in it
    }

    [Fact]
    public void A_station_that_reports_only_its_registers_has_its_power_from_their_change()
    {
        // 10.000 kWh imported, 2.000 kWh exported; 36 s later 50 Wh more exported: 5 kW out.
        var first = OcppMeter.Read(Values($$$"""
            [{"timestamp":"{{{At(T0)}}}","sampledValue":[
              {"value":10000,"measurand":"Energy.Active.Import.Register"},
              {"value":2,"measurand":"Energy.Active.Export.Register","unitOfMeasure":{"unit":"kWh"}}]}]
            """), null);
        Assert.Null(first.PowerKw); // one reading says nothing of power
        Assert.Equal(new OcppRegisters(T0, 10_000, 2_000), first.Registers);

        var second = OcppMeter.Read(Values($$$"""
            [{"timestamp":"{{{At(T0.AddSeconds(36))}}}","sampledValue":[
              {"value":10000,"measurand":"Energy.Active.Import.Register"},
              {"value":2050,"measurand":"Energy.Active.Export.Register"}]}]
            """), first.Registers);
        Assert.Equal(-5, second.PowerKw!.Value, 6);

        // An energy sample without a measurand is the import register (OCPP's default).
        var third = OcppMeter.Read(Values($$$"""
            [{"timestamp":"{{{At(T0.AddSeconds(72))}}}","sampledValue":[{"value":10110},
              {"value":2050,"measurand":"Energy.Active.Export.Register"}]}]
            """), second.Registers);
        Assert.Equal(11, third.PowerKw!.Value, 6); // 110 Wh in 36 s
    }

    [Fact]
    public void Given_power_wins_over_the_registers_and_readings_that_cannot_say_give_no_power()
    {
        var before = new OcppRegisters(T0, 10_000, 2_000);
        var withPower = OcppMeter.Read(Values($$$"""
            [{"timestamp":"{{{At(T0.AddSeconds(36))}}}","sampledValue":[
              {"value":3000,"measurand":"Power.Active.Export"},
              {"value":2050,"measurand":"Energy.Active.Export.Register"}]}]
            """), before);
        Assert.Equal(-3, withPower.PowerKw!.Value, 6);

        Assert.Null(OcppMeter.FromRegisters(before, before with { At = T0.AddMilliseconds(500), ExportWh = 2_010 })); // too close
        Assert.Null(OcppMeter.FromRegisters(before, before with { At = T0.AddMinutes(20), ExportWh = 2_900 })); // too far apart
        Assert.Null(OcppMeter.FromRegisters(before, new OcppRegisters(T0.AddSeconds(30), 0, 0))); // the meter was reset
        Assert.Null(OcppMeter.FromRegisters(before, new OcppRegisters(T0.AddSeconds(30), null, null)));

        // A late reading older than the last: no power from it, and the newer registers stay.
        var late = OcppMeter.Read(Values($$$"""
            [{"timestamp":"{{{At(T0.AddSeconds(-30))}}}","sampledValue":[{"value":1990,"measurand":"Energy.Active.Export.Register"}]}]
            """), before);
        Assert.Null(late.PowerKw);
        Assert.Equal(before, late.Registers);
    }
}
