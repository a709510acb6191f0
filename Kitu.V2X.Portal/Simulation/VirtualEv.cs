namespace Kitu.V2X.Portal.Simulation;

/// <summary>An EV plugged into a virtual EVSE: its identifier, battery and SoC.</summary>
public sealed class VirtualEv(string identifier, double batteryKwh, double socPercent, bool j3072Capable)
{
    public string Identifier { get; } = identifier;

    public double BatteryKwh { get; } = batteryKwh;

    public bool J3072Capable { get; } = j3072Capable;

    public double SocPercent { get; set; } = socPercent;
}

/// <summary>Ways a virtual EVSE can misbehave, for tests of the mediator's checks.</summary>
public sealed class Misbehaviour
{
    /// <summary>Receives commands but never acks or runs them.</summary>
    public bool IgnoreCommands { get; set; }

    /// <summary>Acks and reports running, but reports this power instead of the commanded one.</summary>
    public double? ReportPowerKw { get; set; }
}
