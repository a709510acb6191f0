using System.Globalization;
using System.Text.Json;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>The energy registers a station last reported (Wh, with their time): its power is their change when it reports none.</summary>
public readonly record struct OcppRegisters(DateTimeOffset At, double? ImportWh, double? ExportWh);

/// <summary>What one message's meter values say: net active power (kW, import − export), the car's SoC, the energy registers.</summary>
public readonly record struct OcppMeterReading(double? PowerKw, double? SocPercent, OcppRegisters? Registers);

/// <summary>
/// Reads a station's meter values (TransactionEvent, MeterValues). Power comes from the Power.Active.Import/Export
/// measurands when given; a station that reports only its energy registers (many do by default) has its power from
/// their change since its last report — else the portal would see no power and judge a discharge not followed.
/// Phase values are skipped: the sum of all phases is what counts.
/// </summary>
public static class OcppMeter
{
    /// <summary>What the portal asks a station to sample during a transaction (SampledDataCtrlr.TxUpdatedMeasurands), best first.</summary>
    public static readonly IReadOnlyList<string> MeasurandChoices =
    [
        "Power.Active.Import,Power.Active.Export,SoC,Energy.Active.Import.Register,Energy.Active.Export.Register",
        "Power.Active.Import,Power.Active.Export,Energy.Active.Import.Register,Energy.Active.Export.Register", // no SoC (an AC station does not know it)
        "Energy.Active.Import.Register,Energy.Active.Export.Register", // the registers only: power from their change
    ];

    /// <summary>Register readings further apart than this say nothing of the power now.</summary>
    public static readonly TimeSpan LongestGap = TimeSpan.FromMinutes(15);

    public static OcppMeterReading Read(JsonElement meterValues, OcppRegisters? last)
    {
        if (meterValues.ValueKind != JsonValueKind.Array)
        {
            return new(null, null, last);
        }

        double? import = null, export = null, soc = null, importWh = null, exportWh = null;
        DateTimeOffset? at = null;
        foreach (var value in meterValues.EnumerateArray())
        {
            var stamp = value.TryGetProperty("timestamp", out var t) && t.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed) ? parsed : (DateTimeOffset?)null;
            foreach (var sample in value.GetProperty("sampledValue").EnumerateArray())
            {
                if (sample.TryGetProperty("phase", out _))
                {
                    continue;
                }

                var v = sample.GetProperty("value").GetDouble() * Scale(sample);
                switch (Text(sample, "measurand") ?? "Energy.Active.Import.Register")
                {
                    case "Power.Active.Import":
                        import = v;
                        break;
                    case "Power.Active.Export":
                        export = v;
                        break;
                    case "SoC" when v is >= 0 and <= 100:
                        soc = v;
                        break;
                    case "Energy.Active.Import.Register" when stamp is not null:
                        importWh = v;
                        at = stamp;
                        break;
                    case "Energy.Active.Export.Register" when stamp is not null:
                        exportWh = v;
                        at = stamp;
                        break;
                }
            }
        }

        double? powerKw = import is not null || export is not null ? Math.Clamp(((import ?? 0) - (export ?? 0)) / 1000, -1_000, 1_000) : null;
        if (at is not { } when)
        {
            return new(powerKw, soc, last);
        }

        var registers = new OcppRegisters(when, importWh, exportWh);
        if (last is { } before && when <= before.At)
        {
            return new(powerKw, soc, last); // an older reading (sent late): the newer registers stay
        }

        return new(powerKw ?? (last is { } previous ? FromRegisters(previous, registers) : null), soc, registers);
    }

    /// <summary>Net power (kW) from two readings of the registers; null when they cannot say (too close, too far apart, a register reset).</summary>
    public static double? FromRegisters(OcppRegisters before, OcppRegisters after)
    {
        var seconds = (after.At - before.At).TotalSeconds;
        if (seconds < 1 || after.At - before.At > LongestGap)
        {
            return null;
        }

        double? imported = before.ImportWh is { } i0 && after.ImportWh is { } i1 ? i1 - i0 : null;
        double? exported = before.ExportWh is { } e0 && after.ExportWh is { } e1 ? e1 - e0 : null;
        if (imported is null && exported is null || imported < 0 || exported < 0)
        {
            return null;
        }

        return Math.Clamp(((imported ?? 0) - (exported ?? 0)) * 3600 / seconds / 1000, -1_000, 1_000);
    }

    /// <summary>W (or Wh) per unit of a sampled value: W and Wh by default, kW and kWh, with its power-of-ten multiplier.</summary>
    private static double Scale(JsonElement sample)
    {
        if (!sample.TryGetProperty("unitOfMeasure", out var unit))
        {
            return 1;
        }

        var multiplier = unit.TryGetProperty("multiplier", out var m) && m.ValueKind == JsonValueKind.Number ? Math.Clamp(m.GetInt32(), -6, 6) : 0;
        var kilo = Text(unit, "unit") is "kW" or "kWh" ? 1000 : 1;
        return kilo * Math.Pow(10, multiplier);
    }

    private static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
