using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>Where the EVSE's 2030.5 client runs.</summary>
public enum GridClientLocation
{
    /// <summary>The portal runs a session for the EVSE with its identity (the aggregator model CSIP allows).</summary>
    Portal,

    /// <summary>The EVSE runs its own client with its manufacturer's key (seed §3.2.4.1) and reports the rules in force.</summary>
    Evse,
}

/// <summary>
/// One EVSE bound to an approved 2030.5 server: the EVSE's opaque id, where its 2030.5 client runs, its LFDI/SFDI
/// (its identity — certificate and key — is a <see cref="DeviceCredential"/> kept apart), the registration PIN the
/// utility gave, its rating (the base of percent limits) and the last known status. Nothing here can name a person.
/// </summary>
public sealed class GridBinding
{
    public Guid EvseId { get; set; }

    public Guid ServerId { get; set; }

    public required string Lfdi { get; set; }

    public ulong Sfdi { get; set; }

    public GridClientLocation ClientLocation { get; set; }

    public uint? RegistrationPin { get; set; }

    public double RatedChargeW { get; set; }

    public double RatedDischargeW { get; set; }

    /// <summary>The IEEE 1547 functions the EVSE says it applies (its <c>modesSupported</c>); v1 EVSEs apply the basic ones.</summary>
    public DerControlModes ModesSupported { get; set; } = DerControlModes.Basic;

    /// <summary>The EVSE's nominal AC voltage, when it told (the base of effective-voltage percentages).</summary>
    public double? NominalVoltageV { get; set; }

    /// <summary>How fast the EVSE may change its power, percent of its rating per second (<c>setGradW</c>).</summary>
    public double GradientPercentPerSecond { get; set; } = 20;

    public DateTimeOffset BoundAt { get; set; }

    public GridIntegration LastIntegration { get; set; } = GridIntegration.RulesMissing;

    public string? LastDetail { get; set; }

    public DateTimeOffset? LastContact { get; set; }

    public DeviceIdentity Identity => new(Lfdi, Sfdi);
}
