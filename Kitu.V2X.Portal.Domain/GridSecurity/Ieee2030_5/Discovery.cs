using System.Xml.Serialization;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

/// <summary>The entry point of a 2030.5 server (usually <c>/dcap</c>).</summary>
[XmlRoot("DeviceCapability", Namespace = Sep.Namespace)]
public sealed class DeviceCapability : Resource
{
    [XmlAttribute("pollRate")]
    public uint PollRate { get; set; } = Sep.DefaultPollRateSeconds;

    [XmlIgnore]
    public bool PollRateSpecified { get; set; }

    [XmlElement("DERProgramListLink")]
    public ListLink? DerProgramListLink { get; set; }

    [XmlElement("ResponseSetListLink")]
    public ListLink? ResponseSetListLink { get; set; }

    [XmlElement("TimeLink")]
    public Link? TimeLink { get; set; }

    [XmlElement("EndDeviceListLink")]
    public ListLink? EndDeviceListLink { get; set; }

    [XmlElement("MirrorUsagePointListLink")]
    public ListLink? MirrorUsagePointListLink { get; set; }

    [XmlElement("SelfDeviceLink")]
    public Link? SelfDeviceLink { get; set; }
}

/// <summary>The server's clock.</summary>
[XmlRoot("Time", Namespace = Sep.Namespace)]
public sealed class Time : Resource
{
    [XmlAttribute("pollRate")]
    public uint PollRate { get; set; } = Sep.DefaultPollRateSeconds;

    [XmlIgnore]
    public bool PollRateSpecified { get; set; }

    [XmlElement("currentTime")]
    public long CurrentTime { get; set; }

    [XmlElement("dstEndTime")]
    public long DstEndTime { get; set; }

    [XmlElement("dstOffset")]
    public int DstOffset { get; set; }

    [XmlElement("dstStartTime")]
    public long DstStartTime { get; set; }

    [XmlElement("localTime")]
    public long LocalTime { get; set; }

    [XmlIgnore]
    public bool LocalTimeSpecified { get; set; }

    [XmlElement("quality")]
    public byte Quality { get; set; }

    [XmlElement("tzOffset")]
    public int TzOffset { get; set; }
}

[XmlRoot("EndDeviceList", Namespace = Sep.Namespace)]
public sealed class EndDeviceList : PolledList
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("EndDevice")]
    public List<EndDevice> Items { get; set; } = [];
}

/// <summary>A device known to the server; the client finds itself by its LFDI.</summary>
[XmlRoot("EndDevice", Namespace = Sep.Namespace)]
public sealed class EndDevice : Resource
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("DERListLink")]
    public ListLink? DerListLink { get; set; }

    [XmlElement("deviceCategory")]
    public string? DeviceCategory { get; set; }

    [XmlElement("lFDI")]
    public string? Lfdi { get; set; }

    [XmlElement("sFDI")]
    public ulong Sfdi { get; set; }

    [XmlElement("changedTime")]
    public long ChangedTime { get; set; }

    [XmlElement("enabled")]
    public bool Enabled { get; set; } = true;

    [XmlIgnore]
    public bool EnabledSpecified { get; set; }

    [XmlElement("FunctionSetAssignmentsListLink")]
    public ListLink? FunctionSetAssignmentsListLink { get; set; }

    [XmlElement("postRate")]
    public uint PostRate { get; set; }

    [XmlIgnore]
    public bool PostRateSpecified { get; set; }

    [XmlElement("RegistrationLink")]
    public Link? RegistrationLink { get; set; }
}

/// <summary>The server's registration of a device, with its PIN (six digits, the last a check digit).</summary>
[XmlRoot("Registration", Namespace = Sep.Namespace)]
public sealed class Registration : Resource
{
    [XmlAttribute("pollRate")]
    public uint PollRate { get; set; } = Sep.DefaultPollRateSeconds;

    [XmlIgnore]
    public bool PollRateSpecified { get; set; }

    [XmlElement("dateTimeRegistered")]
    public long DateTimeRegistered { get; set; }

    [XmlElement("pIN")]
    public uint Pin { get; set; }
}

[XmlRoot("FunctionSetAssignmentsList", Namespace = Sep.Namespace)]
public sealed class FunctionSetAssignmentsList : PolledList
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("FunctionSetAssignments")]
    public List<FunctionSetAssignments> Items { get; set; } = [];
}

/// <summary>Which function sets (here: DER programs) apply to a device.</summary>
[XmlRoot("FunctionSetAssignments", Namespace = Sep.Namespace)]
public sealed class FunctionSetAssignments : Resource
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("DERProgramListLink")]
    public ListLink? DerProgramListLink { get; set; }

    [XmlElement("ResponseSetListLink")]
    public ListLink? ResponseSetListLink { get; set; }

    [XmlElement("TimeLink")]
    public Link? TimeLink { get; set; }

    [XmlElement("mRID")]
    public string MRid { get; set; } = "";

    [XmlElement("description")]
    public string? Description { get; set; }

    [XmlElement("version")]
    public ushort Version { get; set; }

    [XmlIgnore]
    public bool VersionSpecified { get; set; }
}

[XmlRoot("DERProgramList", Namespace = Sep.Namespace)]
public sealed class DerProgramList : PolledList
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("DERProgram")]
    public List<DerProgram> Items { get; set; } = [];
}

/// <summary>A DER program: its controls, default control, curves and primacy (lower = higher priority).</summary>
[XmlRoot("DERProgram", Namespace = Sep.Namespace)]
public sealed class DerProgram : Resource
{
    [XmlAttribute("subscribable")]
    public byte Subscribable { get; set; }

    [XmlElement("mRID")]
    public string MRid { get; set; } = "";

    [XmlElement("description")]
    public string? Description { get; set; }

    [XmlElement("version")]
    public ushort Version { get; set; }

    [XmlIgnore]
    public bool VersionSpecified { get; set; }

    [XmlElement("ActiveDERControlListLink")]
    public ListLink? ActiveDerControlListLink { get; set; }

    [XmlElement("DefaultDERControlLink")]
    public Link? DefaultDerControlLink { get; set; }

    [XmlElement("DERControlListLink")]
    public ListLink? DerControlListLink { get; set; }

    [XmlElement("DERCurveListLink")]
    public ListLink? DerCurveListLink { get; set; }

    [XmlElement("primacy")]
    public byte Primacy { get; set; }
}

[XmlRoot("DERList", Namespace = Sep.Namespace)]
public sealed class DerList : PolledList
{
    [XmlElement("DER")]
    public List<Der> Items { get; set; } = [];
}

/// <summary>The links the client writes its DER information to.</summary>
[XmlRoot("DER", Namespace = Sep.Namespace)]
public sealed class Der : Resource
{
    [XmlElement("AssociatedDERProgramListLink")]
    public ListLink? AssociatedDerProgramListLink { get; set; }

    [XmlElement("AssociatedUsagePointLink")]
    public Link? AssociatedUsagePointLink { get; set; }

    [XmlElement("CurrentDERProgramLink")]
    public Link? CurrentDerProgramLink { get; set; }

    [XmlElement("DERAvailabilityLink")]
    public Link? DerAvailabilityLink { get; set; }

    [XmlElement("DERCapabilityLink")]
    public Link? DerCapabilityLink { get; set; }

    [XmlElement("DERSettingsLink")]
    public Link? DerSettingsLink { get; set; }

    [XmlElement("DERStatusLink")]
    public Link? DerStatusLink { get; set; }
}
