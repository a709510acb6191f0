using System.Globalization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>
/// <c>DERControlType</c> bits (<c>modesSupported</c>, <c>modesEnabled</c>): which control modes a DER applies. The
/// client reports exactly the functions its EVSE applies, and answers an event it cannot apply with 252.
/// </summary>
[Flags]
public enum DerControlModes : uint
{
    None = 0,
    Charge = 1u << 0,
    Discharge = 1u << 1,
    Connect = 1u << 2,
    Energize = 1u << 3,
    FixedPfAbsorbW = 1u << 4,
    FixedPfInjectW = 1u << 5,
    FixedVar = 1u << 6,
    FixedW = 1u << 7,
    FreqDroop = 1u << 8,
    FreqWatt = 1u << 9,
    HfrtMayTrip = 1u << 10,
    HfrtMustTrip = 1u << 11,
    HvrtMayTrip = 1u << 12,
    HvrtMomentaryCessation = 1u << 13,
    HvrtMustTrip = 1u << 14,
    LfrtMayTrip = 1u << 15,
    LfrtMustTrip = 1u << 16,
    LvrtMayTrip = 1u << 17,
    LvrtMomentaryCessation = 1u << 18,
    LvrtMustTrip = 1u << 19,
    MaxLimW = 1u << 20,
    TargetVar = 1u << 21,
    TargetW = 1u << 22,
    VoltVar = 1u << 23,
    VoltWatt = 1u << 24,
    WattPf = 1u << 25,
    WattVar = 1u << 26,

    /// <summary>What an EVSE of protocol v1 applies: connect, energize and the active-power limit (with charge and discharge).</summary>
    Basic = Charge | Discharge | Connect | Energize | MaxLimW,

    /// <summary>Every IEEE 1547 function of DERControlBase this project's EVSEs know how to apply.</summary>
    AllIeee1547 = Basic | FixedPfAbsorbW | FixedPfInjectW | FixedVar | FreqDroop | FreqWatt | HfrtMayTrip | HfrtMustTrip
        | HvrtMayTrip | HvrtMomentaryCessation | HvrtMustTrip | LfrtMayTrip | LfrtMustTrip | LvrtMayTrip | LvrtMomentaryCessation
        | LvrtMustTrip | TargetVar | VoltVar | VoltWatt | WattPf | WattVar,
}

/// <summary>Every function of <see cref="DerControlBase"/>: its schema name, its mode bit, and whether a control base sets it.</summary>
public static class DerFunctions
{
    public sealed record Function(string Name, DerControlModes Mode, Func<DerControlBase, bool> IsSet);

    /// <summary>In schema order. <c>rampTms</c> is not a mode of its own: it goes with whatever the control sets.</summary>
    public static IReadOnlyList<Function> All { get; } =
    [
        new("opModConnect", DerControlModes.Connect, b => b.OpModConnect.HasValue),
        new("opModEnergize", DerControlModes.Energize, b => b.OpModEnergize.HasValue),
        new("opModFixedPFAbsorbW", DerControlModes.FixedPfAbsorbW, b => b.OpModFixedPfAbsorbW is not null),
        new("opModFixedPFInjectW", DerControlModes.FixedPfInjectW, b => b.OpModFixedPfInjectW is not null),
        new("opModFixedVar", DerControlModes.FixedVar, b => b.OpModFixedVar is not null),
        new("opModFixedW", DerControlModes.FixedW, b => b.OpModFixedW.HasValue),
        new("opModFreqDroop", DerControlModes.FreqDroop, b => b.OpModFreqDroop is not null),
        new("opModFreqWatt", DerControlModes.FreqWatt, b => b.OpModFreqWatt is not null),
        new("opModHFRTMayTrip", DerControlModes.HfrtMayTrip, b => b.OpModHfrtMayTrip is not null),
        new("opModHFRTMustTrip", DerControlModes.HfrtMustTrip, b => b.OpModHfrtMustTrip is not null),
        new("opModHVRTMayTrip", DerControlModes.HvrtMayTrip, b => b.OpModHvrtMayTrip is not null),
        new("opModHVRTMomentaryCessation", DerControlModes.HvrtMomentaryCessation, b => b.OpModHvrtMomentaryCessation is not null),
        new("opModHVRTMustTrip", DerControlModes.HvrtMustTrip, b => b.OpModHvrtMustTrip is not null),
        new("opModLFRTMayTrip", DerControlModes.LfrtMayTrip, b => b.OpModLfrtMayTrip is not null),
        new("opModLFRTMustTrip", DerControlModes.LfrtMustTrip, b => b.OpModLfrtMustTrip is not null),
        new("opModLVRTMayTrip", DerControlModes.LvrtMayTrip, b => b.OpModLvrtMayTrip is not null),
        new("opModLVRTMomentaryCessation", DerControlModes.LvrtMomentaryCessation, b => b.OpModLvrtMomentaryCessation is not null),
        new("opModLVRTMustTrip", DerControlModes.LvrtMustTrip, b => b.OpModLvrtMustTrip is not null),
        new("opModMaxLimW", DerControlModes.MaxLimW, b => b.OpModMaxLimW.HasValue),
        new("opModTargetVar", DerControlModes.TargetVar, b => b.OpModTargetVar is not null),
        new("opModTargetW", DerControlModes.TargetW, b => b.OpModTargetW is not null),
        new("opModVoltVar", DerControlModes.VoltVar, b => b.OpModVoltVar is not null),
        new("opModVoltWatt", DerControlModes.VoltWatt, b => b.OpModVoltWatt is not null),
        new("opModWattPF", DerControlModes.WattPf, b => b.OpModWattPf is not null),
        new("opModWattVar", DerControlModes.WattVar, b => b.OpModWattVar is not null),
    ];

    private static readonly Dictionary<string, Function> ByName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static Function? Named(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The names of the functions a control base sets, in schema order.</summary>
    public static IReadOnlyList<string> SetBy(DerControlBase controls) => [.. All.Where(f => f.IsSet(controls)).Select(f => f.Name)];

    /// <summary>The mode bits as the schema's HexBinary32 (<c>01D0008F</c>).</summary>
    public static string Hex(DerControlModes modes) => ((uint)modes).ToString("X8", CultureInfo.InvariantCulture);

    public static DerControlModes ParseHex(string? hex) =>
        hex is { Length: > 0 and <= 8 } && uint.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var bits) ? (DerControlModes)bits : DerControlModes.None;

    /// <summary>The modes for the function names an EVSE declares it applies (unknown names are ignored).</summary>
    public static DerControlModes FromNames(IEnumerable<string>? names)
    {
        var modes = DerControlModes.Charge | DerControlModes.Discharge;
        foreach (var name in names ?? [])
        {
            if (Named(name) is { } f)
            {
                modes |= f.Mode;
            }
        }

        return modes;
    }

    public static IReadOnlyList<string> Names(DerControlModes modes) => [.. All.Where(f => (modes & f.Mode) != 0).Select(f => f.Name)];
}
