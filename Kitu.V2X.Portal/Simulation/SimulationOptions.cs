namespace Kitu.V2X.Portal.Simulation;

/// <summary>The in-process virtual EVSEs of demo mode. Section <c>Simulation</c>.</summary>
public sealed class SimulationOptions
{
    public const string Section = "Simulation";

    /// <summary>Start the demo's virtual EVSEs and EVs with the portal (needs a real listening address).</summary>
    public bool Enabled { get; set; }

    /// <summary>How often a virtual EVSE reports its status when nothing changes.</summary>
    public int StatusSeconds { get; set; } = 2;
}
