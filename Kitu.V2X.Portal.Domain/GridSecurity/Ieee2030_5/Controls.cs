using System.Xml.Serialization;
// XmlSerializer writes a null Nullable<T> as xsi:nil unless told not to: each ShouldSerializeX() omits it instead,
// since in 2030.5 an absent element means "no instruction".

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>A link to a curve used by a control (<c>DERCurveLink</c>).</summary>
public sealed class DerCurveLink : Link;

/// <summary>
/// The IEEE 1547 functions a control can set. Every child is optional: absent means "no instruction for that
/// function", never zero. Children appear in the schema's order.
/// </summary>
public sealed class DerControlBase
{
    [XmlElement("opModConnect")]
    public bool? OpModConnect { get; set; }

    public bool ShouldSerializeOpModConnect() => OpModConnect.HasValue;

    [XmlElement("opModEnergize")]
    public bool? OpModEnergize { get; set; }

    public bool ShouldSerializeOpModEnergize() => OpModEnergize.HasValue;

    [XmlElement("opModFixedPFAbsorbW")]
    public PowerFactorWithExcitation? OpModFixedPfAbsorbW { get; set; }

    [XmlElement("opModFixedPFInjectW")]
    public PowerFactorWithExcitation? OpModFixedPfInjectW { get; set; }

    [XmlElement("opModFixedVar")]
    public FixedVar? OpModFixedVar { get; set; }

    [XmlElement("opModFixedW")]
    public short? OpModFixedW { get; set; }

    public bool ShouldSerializeOpModFixedW() => OpModFixedW.HasValue;

    [XmlElement("opModFreqDroop")]
    public FreqDroopType? OpModFreqDroop { get; set; }

    [XmlElement("opModFreqWatt")]
    public DerCurveLink? OpModFreqWatt { get; set; }

    [XmlElement("opModHFRTMayTrip")]
    public DerCurveLink? OpModHfrtMayTrip { get; set; }

    [XmlElement("opModHFRTMustTrip")]
    public DerCurveLink? OpModHfrtMustTrip { get; set; }

    [XmlElement("opModHVRTMayTrip")]
    public DerCurveLink? OpModHvrtMayTrip { get; set; }

    [XmlElement("opModHVRTMomentaryCessation")]
    public DerCurveLink? OpModHvrtMomentaryCessation { get; set; }

    [XmlElement("opModHVRTMustTrip")]
    public DerCurveLink? OpModHvrtMustTrip { get; set; }

    [XmlElement("opModLFRTMayTrip")]
    public DerCurveLink? OpModLfrtMayTrip { get; set; }

    [XmlElement("opModLFRTMustTrip")]
    public DerCurveLink? OpModLfrtMustTrip { get; set; }

    [XmlElement("opModLVRTMayTrip")]
    public DerCurveLink? OpModLvrtMayTrip { get; set; }

    [XmlElement("opModLVRTMomentaryCessation")]
    public DerCurveLink? OpModLvrtMomentaryCessation { get; set; }

    [XmlElement("opModLVRTMustTrip")]
    public DerCurveLink? OpModLvrtMustTrip { get; set; }

    [XmlElement("opModMaxLimW")]
    public ushort? OpModMaxLimW { get; set; }

    public bool ShouldSerializeOpModMaxLimW() => OpModMaxLimW.HasValue;

    [XmlElement("opModTargetVar")]
    public ReactivePower? OpModTargetVar { get; set; }

    [XmlElement("opModTargetW")]
    public ActivePower? OpModTargetW { get; set; }

    [XmlElement("opModVoltVar")]
    public DerCurveLink? OpModVoltVar { get; set; }

    [XmlElement("opModVoltWatt")]
    public DerCurveLink? OpModVoltWatt { get; set; }

    [XmlElement("opModWattPF")]
    public DerCurveLink? OpModWattPf { get; set; }

    [XmlElement("opModWattVar")]
    public DerCurveLink? OpModWattVar { get; set; }

    [XmlElement("rampTms")]
    public ushort? RampTms { get; set; }

    public bool ShouldSerializeRampTms() => RampTms.HasValue;
}

/// <summary>An event's status as the server sets it.</summary>
public sealed class EventStatus
{
    public const byte Scheduled = 0;
    public const byte Active = 1;
    public const byte Cancelled = 2;
    public const byte CancelledWithRandomization = 3;
    public const byte Superseded = 4;

    [XmlElement("currentStatus")]
    public byte CurrentStatus { get; set; }

    [XmlElement("dateTime")]
    public long DateTime { get; set; }

    [XmlElement("potentiallySuperseded")]
    public bool PotentiallySuperseded { get; set; }

    [XmlElement("potentiallySupersededTime")]
    public long? PotentiallySupersededTime { get; set; }

    public bool ShouldSerializePotentiallySupersededTime() => PotentiallySupersededTime.HasValue;

    [XmlElement("reason")]
    public string? Reason { get; set; }
}

[XmlRoot("DERControlList", Namespace = Sep.Namespace)]
public sealed class DerControlList : SepList
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("DERControl")]
    public List<DerControl> Items { get; set; } = [];
}

/// <summary>A time-bound event carrying IEEE 1547 settings.</summary>
[XmlRoot("DERControl", Namespace = Sep.Namespace)]
public sealed class DerControl : Resource
{
    [XmlAttribute("replyTo")]
    public string? ReplyTo { get; set; }

    [XmlAttribute("responseRequired")]
    public string? ResponseRequired { get; set; }

    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("mRID")]
    public string MRid { get; set; } = "";

    [XmlElement("description")]
    public string? Description { get; set; }

    [XmlElement("version")]
    public ushort? Version { get; set; }

    public bool ShouldSerializeVersion() => Version.HasValue;

    [XmlElement("creationTime")]
    public long CreationTime { get; set; }

    [XmlElement("EventStatus")]
    public EventStatus EventStatus { get; set; } = new();

    [XmlElement("interval")]
    public DateTimeInterval Interval { get; set; } = new();

    [XmlElement("randomizeDuration")]
    public short? RandomizeDuration { get; set; }

    public bool ShouldSerializeRandomizeDuration() => RandomizeDuration.HasValue;

    [XmlElement("randomizeStart")]
    public short? RandomizeStart { get; set; }

    public bool ShouldSerializeRandomizeStart() => RandomizeStart.HasValue;

    [XmlElement("DERControlBase")]
    public DerControlBase Base { get; set; } = new();

    [XmlElement("deviceCategory")]
    public string? DeviceCategory { get; set; }

    /// <summary>The <c>responseRequired</c> bits (0 when absent).</summary>
    public byte ResponseBits => ResponseRequired is { Length: > 0 } r ? Convert.ToByte(r, 16) : (byte)0;
}

/// <summary>What applies when no event does, including the enter-service settings.</summary>
[XmlRoot("DefaultDERControl", Namespace = Sep.Namespace)]
public sealed class DefaultDerControl : Resource
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("mRID")]
    public string MRid { get; set; } = "";

    [XmlElement("description")]
    public string? Description { get; set; }

    [XmlElement("version")]
    public ushort? Version { get; set; }

    public bool ShouldSerializeVersion() => Version.HasValue;

    [XmlElement("DERControlBase")]
    public DerControlBase Base { get; set; } = new();

    [XmlElement("setESDelay")]
    public uint? SetEsDelay { get; set; }

    public bool ShouldSerializeSetEsDelay() => SetEsDelay.HasValue;

    [XmlElement("setESHighFreq")]
    public ushort? SetEsHighFreq { get; set; }

    public bool ShouldSerializeSetEsHighFreq() => SetEsHighFreq.HasValue;

    [XmlElement("setESHighVolt")]
    public short? SetEsHighVolt { get; set; }

    public bool ShouldSerializeSetEsHighVolt() => SetEsHighVolt.HasValue;

    [XmlElement("setESLowFreq")]
    public ushort? SetEsLowFreq { get; set; }

    public bool ShouldSerializeSetEsLowFreq() => SetEsLowFreq.HasValue;

    [XmlElement("setESLowVolt")]
    public short? SetEsLowVolt { get; set; }

    public bool ShouldSerializeSetEsLowVolt() => SetEsLowVolt.HasValue;

    [XmlElement("setESRampTms")]
    public uint? SetEsRampTms { get; set; }

    public bool ShouldSerializeSetEsRampTms() => SetEsRampTms.HasValue;

    [XmlElement("setESRandomDelay")]
    public uint? SetEsRandomDelay { get; set; }

    public bool ShouldSerializeSetEsRandomDelay() => SetEsRandomDelay.HasValue;

    [XmlElement("setGradW")]
    public ushort? SetGradW { get; set; }

    public bool ShouldSerializeSetGradW() => SetGradW.HasValue;

    [XmlElement("setSoftGradW")]
    public ushort? SetSoftGradW { get; set; }

    public bool ShouldSerializeSetSoftGradW() => SetSoftGradW.HasValue;
}

/// <summary>One point of a curve.</summary>
public sealed class CurveData
{
    [XmlElement("excitation")]
    public bool? Excitation { get; set; }

    public bool ShouldSerializeExcitation() => Excitation.HasValue;

    [XmlElement("xvalue")]
    public int XValue { get; set; }

    [XmlElement("yvalue")]
    public int YValue { get; set; }
}

[XmlRoot("DERCurveList", Namespace = Sep.Namespace)]
public sealed class DerCurveList : SepList
{
    [XmlElement("DERCurve")]
    public List<DerCurve> Items { get; set; } = [];
}

/// <summary>A piecewise-linear curve (volt-var, volt-watt, trip and ride-through, …) of 1 to 10 points.</summary>
[XmlRoot("DERCurve", Namespace = Sep.Namespace)]
public sealed class DerCurve : Resource
{
    [XmlElement("mRID")]
    public string MRid { get; set; } = "";

    [XmlElement("description")]
    public string? Description { get; set; }

    [XmlElement("version")]
    public ushort? Version { get; set; }

    public bool ShouldSerializeVersion() => Version.HasValue;

    [XmlElement("autonomousVRefEnable")]
    public bool? AutonomousVRefEnable { get; set; }

    public bool ShouldSerializeAutonomousVRefEnable() => AutonomousVRefEnable.HasValue;

    [XmlElement("autonomousVRefTimeConstant")]
    public uint? AutonomousVRefTimeConstant { get; set; }

    public bool ShouldSerializeAutonomousVRefTimeConstant() => AutonomousVRefTimeConstant.HasValue;

    [XmlElement("creationTime")]
    public long CreationTime { get; set; }

    [XmlElement("CurveData")]
    public List<CurveData> CurveData { get; set; } = [];

    [XmlElement("curveType")]
    public byte CurveType { get; set; }

    [XmlElement("openLoopTms")]
    public ushort? OpenLoopTms { get; set; }

    public bool ShouldSerializeOpenLoopTms() => OpenLoopTms.HasValue;

    [XmlElement("rampDecTms")]
    public ushort? RampDecTms { get; set; }

    public bool ShouldSerializeRampDecTms() => RampDecTms.HasValue;

    [XmlElement("rampIncTms")]
    public ushort? RampIncTms { get; set; }

    public bool ShouldSerializeRampIncTms() => RampIncTms.HasValue;

    [XmlElement("rampPT1Tms")]
    public ushort? RampPt1Tms { get; set; }

    public bool ShouldSerializeRampPt1Tms() => RampPt1Tms.HasValue;

    [XmlElement("vRef")]
    public ushort? VRef { get; set; }

    public bool ShouldSerializeVRef() => VRef.HasValue;

    [XmlElement("xMultiplier")]
    public sbyte XMultiplier { get; set; }

    [XmlElement("yMultiplier")]
    public sbyte YMultiplier { get; set; }

    [XmlElement("yRefType")]
    public byte YRefType { get; set; }
}
