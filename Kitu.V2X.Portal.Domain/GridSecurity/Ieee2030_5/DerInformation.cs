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

    [XmlElement("rtgVNom")]
    public VoltageRms? RtgVNom { get; set; }

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

    [XmlElement("setVNom")]
    public VoltageRms? SetVNom { get; set; }

    [XmlElement("updatedTime")]
    public long UpdatedTime { get; set; }
}

/// <summary>
/// The DER's status: connection, inverter and operational mode, and whether it charges, discharges or holds. The
/// vehicle's state of charge is left out on purpose: it is the driver's data (Consumer Support Layer).
/// </summary>
[XmlRoot("DERStatus", Namespace = Sep.Namespace)]
public sealed class DerStatus : Resource
{
    /// <summary><c>genConnectStatus</c> and <c>storConnectStatus</c> bits: 0 connected, 1 available, 2 operating, 3 test, 4 fault.</summary>
    public const byte Connected = 1, Available = 2, Operating = 4, Fault = 16;

    [XmlElement("genConnectStatus")]
    public ConnectStatus? GenConnectStatus { get; set; }

    [XmlElement("inverterStatus")]
    public StatusValue? InverterStatus { get; set; }

    [XmlElement("operationalModeStatus")]
    public StatusValue? OperationalModeStatus { get; set; }

    [XmlElement("readingTime")]
    public long ReadingTime { get; set; }

    [XmlElement("storageModeStatus")]
    public StatusValue? StorageModeStatus { get; set; }

    [XmlElement("storConnectStatus")]
    public ConnectStatus? StorConnectStatus { get; set; }
}

/// <summary>What the DER could deliver now: the active and reactive power available.</summary>
[XmlRoot("DERAvailability", Namespace = Sep.Namespace)]
public sealed class DerAvailability : Resource
{
    [XmlElement("readingTime")]
    public long ReadingTime { get; set; }

    [XmlElement("statWAvail")]
    public ActivePower? StatWAvail { get; set; }
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
    public const byte RejectedInvalid = 253;
    public const byte RejectedExpired = 254;
}

/// <summary><c>DERType</c> values used here.</summary>
public static class DerType
{
    public const byte Evse = 82;
}

/// <summary>Other response status values of the standard's table.</summary>
public static class ResponseStatusText
{
    public static string Of(byte status) => status switch
    {
        ResponseStatus.EventReceived => "received",
        ResponseStatus.EventStarted => "started",
        ResponseStatus.EventCompleted => "completed",
        ResponseStatus.EventCancelled => "cancelled",
        ResponseStatus.EventSuperseded => "superseded",
        ResponseStatus.AbortedByHigherPrimacyProgram => "aborted: higher-primacy program",
        ResponseStatus.RejectedNotApplicable => "rejected: not applicable to the device",
        ResponseStatus.RejectedInvalid => "rejected: invalid event",
        ResponseStatus.RejectedExpired => "rejected: received after it ended",
        _ => $"status {status}",
    };
}
