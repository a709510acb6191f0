namespace Kitu.V2X.Portal.Domain.ConsumerSupport;

/// <summary>Where the inverter is (seed §2.4): in the EV for AC, in the EVSE for DC.</summary>
public enum CurrentType
{
    Ac,
    Dc,
}

/// <summary>A charger at a site. Its grid identity (LFDI, 2030.5 binding) lives in the grid layer, keyed by <see cref="Id"/>.</summary>
public sealed class Evse
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid SiteId { get; set; }

    public required string Name { get; set; }

    public CurrentType Current { get; set; }

    public double RatedChargeKw { get; set; }

    public double RatedDischargeKw { get; set; }

    public string? Make { get; set; }

    public string? Model { get; set; }

    public string? SerialNumber { get; set; }

    /// <summary>The site owner's switch (seed §2.6): without it the EVSE refuses every discharge.</summary>
    public bool OwnerAllowsDischarge { get; set; }

    /// <summary>
    /// For a charger that speaks OCPP: its charging station identity, the last segment of the URL it connects to
    /// (<c>/ocpp/{id}</c>) and the user name of its Basic authentication. Null for a charger on the portal's own protocol.
    /// </summary>
    public string? OcppStationId { get; set; }

    /// <summary>OCPP's identifierString (1–48 of a–z, A–Z, 0–9 and <c>*-_=+|@.</c>), which also keeps it safe in a URL and a Basic user name (no colon).</summary>
    public static bool IsValidOcppStationId(string? id) =>
        id is { Length: > 0 and <= 48 } && id.All(c => char.IsAsciiLetterOrDigit(c) || "*-_=+|@.".Contains(c, StringComparison.Ordinal));
}
