namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>
/// An IEEE 2030.5 server that a utility has approved for providing grid rules. Site owners may bind
/// EVSEs only to enabled approved servers; the server must chain to the pinned trust anchor.
/// </summary>
public sealed class ApprovedServer
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public required string Name { get; set; }

    public required string UtilityName { get; set; }

    /// <summary>Absolute https URL of the DeviceCapability resource, usually ending in <c>/dcap</c>.</summary>
    public required string DeviceCapabilityUrl { get; set; }

    /// <summary>PEM of the utility CA certificate the server must chain to.</summary>
    public required string TrustAnchorPem { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Whether the utility gives each device a registration PIN that owners must enter to bind (2030.5 Registration).</summary>
    public bool RequiresRegistrationPin { get; set; } = true;

    /// <summary>Where owners find the PIN, in the utility's words ("on your interconnection approval letter").</summary>
    public string? RegistrationPinHint { get; set; }

    public DateTimeOffset? LastCheckedAt { get; set; }

    public string? LastCheckResult { get; set; }
}
