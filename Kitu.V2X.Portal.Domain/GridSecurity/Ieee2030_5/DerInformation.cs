using System.Xml.Serialization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>The DER's nameplate, which the client PUTs from the EVSE's rating.</summary>
[XmlRoot("DERCapability", Namespace = Sep.Namespace)]
public sealed class DerCapability : Resource
{
    [XmlElement("modesSupported")]
    public string ModesSupported { get; set; } = "00000000";

    [XmlElement("rtgAbnormalCategory")]
    public byte? RtgAbnormalCategory { get; set; }

    public bool ShouldSerializeRtgAbnormalCategory() => RtgAbnormalCategory.HasValue;

    [XmlElement("rtgMaxChargeRateW")]
    public ActivePower? RtgMaxChargeRateW { get; set; }

    [XmlElement("rtgMaxDischargeRateW")]
    public ActivePower? RtgMaxDischargeRateW { get; set; }

    [XmlElement("rtgMaxW")]
    public ActivePower RtgMaxW { get; set; } = new();

    [XmlElement("rtgNormalCategory")]
    public byte? RtgNormalCategory { get; set; }

    public bool ShouldSerializeRtgNormalCategory() => RtgNormalCategory.HasValue;

    [XmlElement("type")]
    public byte Type { get; set; }
}

/// <summary>The DER's settings (setMaxW is the base of the percent limits).</summary>
[XmlRoot("DERSettings", Namespace = Sep.Namespace)]
public sealed class DerSettings : Resource
{
    [XmlElement("modesEnabled")]
    public string? ModesEnabled { get; set; }

    [XmlElement("setGradW")]
    public ushort SetGradW { get; set; }

    [XmlElement("setMaxChargeRateW")]
    public ActivePower? SetMaxChargeRateW { get; set; }

    [XmlElement("setMaxDischargeRateW")]
    public ActivePower? SetMaxDischargeRateW { get; set; }

    [XmlElement("setMaxW")]
    public ActivePower SetMaxW { get; set; } = new();

    [XmlElement("updatedTime")]
    public long UpdatedTime { get; set; }
}

/// <summary>The DER's status: connection and operational mode only.</summary>
[XmlRoot("DERStatus", Namespace = Sep.Namespace)]
public sealed class DerStatus : Resource
{
    [XmlElement("genConnectStatus")]
    public ConnectStatus? GenConnectStatus { get; set; }

    [XmlElement("operationalModeStatus")]
    public StatusValue? OperationalModeStatus { get; set; }

    [XmlElement("readingTime")]
    public long ReadingTime { get; set; }
}

/// <summary>A response to an event, POSTed to its <c>replyTo</c>.</summary>
[XmlRoot("DERControlResponse", Namespace = Sep.Namespace)]
public sealed class DerControlResponse : Resource
{
    [XmlElement("createdDateTime")]
    public long? CreatedDateTime { get; set; }

    public bool ShouldSerializeCreatedDateTime() => CreatedDateTime.HasValue;

    [XmlElement("endDeviceLFDI")]
    public string EndDeviceLfdi { get; set; } = "";

    [XmlElement("status")]
    public byte? Status { get; set; }

    public bool ShouldSerializeStatus() => Status.HasValue;

    [XmlElement("subject")]
    public string Subject { get; set; } = "";
}

/// <summary>Response status values (the standard's response table).</summary>
public static class ResponseStatus
{
    public const byte EventReceived = 1;
    public const byte EventStarted = 2;
    public const byte EventCompleted = 3;
    public const byte EventCancelled = 6;
    public const byte EventSuperseded = 7;
    public const byte AbortedByHigherPrimacyProgram = 14;
    public const byte RejectedNotApplicable = 252;
}

/// <summary><c>DERType</c> values used here.</summary>
public static class DerType
{
    public const byte Evse = 82;
}
