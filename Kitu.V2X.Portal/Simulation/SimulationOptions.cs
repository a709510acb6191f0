namespace Kitu.V2X.Portal.Simulation;

/// <summary>The in-process virtual EVSEs of demo mode. Section <c>Simulation</c>.</summary>
public sealed class SimulationOptions
{
    public const string Section = "Simulation";

    /// <summary>Start the demo's virtual EVSEs and EVs with the portal (needs a real listening address).</summary>
    public bool Enabled { get; set; }

    /// <summary>How often a virtual EVSE reports its status when nothing changes.</summary>
    public int StatusSeconds { get; set; } = 2;

    /// <summary>How much faster than real time the virtual batteries drain (10 in the demo, so SoC moves visibly).</summary>
    public double BatterySpeed { get; set; } = 1;
}
