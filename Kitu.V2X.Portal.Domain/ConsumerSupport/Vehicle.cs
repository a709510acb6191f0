namespace Kitu.V2X.Portal.Domain.ConsumerSupport;

/// <summary>An electric vehicle, owned by a driver or (for a fleet) by the site owner.</summary>
public sealed class Vehicle
{
    public Guid Id { get; set; } = Guid.NewGuid();

    /// <summary>The account that decides for this vehicle: its driver, or the fleet's site owner.</summary>
    public required string OwnerId { get; set; }

    /// <summary>Set for fleet vehicles: the site the fleet belongs to.</summary>
    public Guid? FleetSiteId { get; set; }

    public required string Name { get; set; }

    public string? Make { get; set; }

    public string? Model { get; set; }

    public double BatteryKwh { get; set; }

    public double MaxDischargeKw { get; set; }

    /// <summary>Can discharge through an AC charger (it has its own bidirectional inverter).</summary>
    public bool SupportsAcDischarge { get; set; }

    /// <summary>Can discharge through a DC charger.</summary>
    public bool SupportsDcDischarge { get; set; }

    /// <summary>Can receive IEEE 1547 functions from the EVSE (SAE J3072); needed for AC discharge.</summary>
    public bool J3072Capable { get; set; }

    /// <summary>The identifier a charger reports for this car (e.g. its EVCC id); how a home charger recognises it.</summary>
    public required string Identifier { get; set; }

    public bool Supports(CurrentType current) => current == CurrentType.Ac ? SupportsAcDischarge : SupportsDcDischarge;
}
