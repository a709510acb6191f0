using System.Xml.Serialization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>IEEE 2030.5-2018 constants the client and the sandbox server share.</summary>
public static class Sep
{
    public const string Namespace = "urn:ieee:std:2030.5:ns";
    public const string MediaType = "application/sep+xml";

    /// <summary>The default pollRate when a resource gives none (seconds).</summary>
    public const uint DefaultPollRateSeconds = 900;

    /// <summary>DeviceCategoryType bit 17: electric vehicle supply equipment.</summary>
    public const uint EvseCategoryBit = 1u << 17;

    /// <summary><c>00020000</c>: the device category of an EVSE.</summary>
    public const string EvseDeviceCategory = "00020000";
}

/// <summary>A link to another resource (<c>Link@href</c> is required).</summary>
public class Link
{
    [XmlAttribute("href")]
    public string Href { get; set; } = "";
}

/// <summary>A link to a list; <c>all</c> says how many entries the list holds.</summary>
public class ListLink : Link
{
    [XmlAttribute("all")]
    public uint All { get; set; }

    [XmlIgnore]
    public bool AllSpecified { get; set; }
}

/// <summary>Base of every resource: the optional <c>href</c> the server gives it.</summary>
public abstract class Resource
{
    [XmlAttribute("href")]
    public string? Href { get; set; }
}

/// <summary>Base of lists: <c>all</c> entries on the server, <c>results</c> in this page.</summary>
public abstract class SepList : Resource
{
    [XmlAttribute("all")]
    public uint All { get; set; }

    [XmlAttribute("results")]
    public uint Results { get; set; }
}

/// <summary>A list that can carry a <c>pollRate</c> (seconds; default 900).</summary>
public abstract class PolledList : SepList
{
    [XmlAttribute("pollRate")]
    public uint PollRate { get; set; } = Sep.DefaultPollRateSeconds;

    [XmlIgnore]
    public bool PollRateSpecified { get; set; }
}

/// <summary>value × 10^multiplier watts.</summary>
public sealed class ActivePower
{
    [XmlElement("multiplier")]
    public sbyte Multiplier { get; set; }

    [XmlElement("value")]
    public short Value { get; set; }

    public double Watts => Value * Math.Pow(10, Multiplier);

    public static ActivePower FromWatts(double watts)
    {
        sbyte multiplier = 0;
        while (Math.Abs(watts / Math.Pow(10, multiplier)) > short.MaxValue && multiplier < 9)
        {
            multiplier++;
        }

        return new ActivePower { Multiplier = multiplier, Value = (short)Math.Round(watts / Math.Pow(10, multiplier)) };
    }
}

/// <summary>value × 10^multiplier var.</summary>
public sealed class ReactivePower
{
    [XmlElement("multiplier")]
    public sbyte Multiplier { get; set; }

    [XmlElement("value")]
    public short Value { get; set; }

    public double Vars => Value * Math.Pow(10, Multiplier);
}

/// <summary>value × 10^multiplier volts (RMS).</summary>
public sealed class VoltageRms
{
    [XmlElement("multiplier")]
    public sbyte Multiplier { get; set; }

    [XmlElement("value")]
    public ushort Value { get; set; }

    public double Volts => Value * Math.Pow(10, Multiplier);

    public static VoltageRms FromVolts(double volts) => new() { Multiplier = 0, Value = (ushort)Math.Clamp(Math.Round(volts), 0, ushort.MaxValue) };
}

/// <summary>value × 10^multiplier watt-hours.</summary>
public sealed class WattHour
{
    [XmlElement("multiplier")]
    public sbyte Multiplier { get; set; }

    [XmlElement("value")]
    public ushort Value { get; set; }
}

/// <summary>A power factor: displacement × 10^multiplier; excitation true = absorbing vars.</summary>
public sealed class PowerFactorWithExcitation
{
    [XmlElement("displacement")]
    public ushort Displacement { get; set; }

    [XmlElement("excitation")]
    public bool Excitation { get; set; }

    [XmlElement("multiplier")]
    public sbyte Multiplier { get; set; }

    public double PowerFactor => Displacement * Math.Pow(10, Multiplier);
}

/// <summary>A fixed reactive power, in hundredths of a percent of the base named by <see cref="RefType"/>.</summary>
public sealed class FixedVar
{
    [XmlElement("refType")]
    public byte RefType { get; set; }

    [XmlElement("value")]
    public short Value { get; set; }
}

/// <summary>Parameterised frequency-watt (frequency droop).</summary>
public sealed class FreqDroopType
{
    [XmlElement("dBOF")]
    public uint DbOf { get; set; }

    [XmlElement("dBUF")]
    public uint DbUf { get; set; }

    [XmlElement("kOF")]
    public ushort KOf { get; set; }

    [XmlElement("kUF")]
    public ushort KUf { get; set; }

    [XmlElement("openLoopTms")]
    public ushort OpenLoopTms { get; set; }
}

/// <summary>[start, start + duration) in server time (seconds since 1970 UTC).</summary>
public sealed class DateTimeInterval
{
    [XmlElement("duration")]
    public uint Duration { get; set; }

    [XmlElement("start")]
    public long Start { get; set; }
}

/// <summary>A {dateTime, value} status pair.</summary>
public sealed class StatusValue
{
    [XmlElement("dateTime")]
    public long DateTime { get; set; }

    [XmlElement("value")]
    public byte Value { get; set; }
}

/// <summary>A status bitmap pair ({dateTime, value} with a hex value).</summary>
public sealed class ConnectStatus
{
    [XmlElement("dateTime")]
    public long DateTime { get; set; }

    [XmlElement("value", DataType = "hexBinary")]
    public byte[] Value { get; set; } = [0];
}
