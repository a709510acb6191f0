using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>A program event as one vehicle sees it: the event, its program, and the vehicle's enrollment.</summary>
public sealed record EventOffer
{
    public required Guid EventId { get; init; }

    public required Guid ProgramId { get; init; }

    public required string ProgramName { get; init; }

    public OperatorKind OperatorKind { get; init; }

    public bool IsEmergency { get; init; }

    public ProgramExecutor Executor { get; init; }

    public ProgramStatus ProgramStatus { get; init; } = ProgramStatus.Published;

    public double? ProgramMaxKwPerVehicle { get; init; }

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public bool Cancelled { get; init; }

    /// <summary>What the operator asks of this vehicle (per-vehicle request, or its share of a total target).</summary>
    public required double RequestedKw { get; init; }

    /// <summary>
    /// For an event with a total target: what is left of it once the other cars' commands are counted (kW); null
    /// for a per-vehicle request. At or below zero the target is met and no further car is asked.
    /// </summary>
    public double? RemainingTargetKw { get; init; }

    /// <summary>The driver's rank for this program (1 = preferred); null when the vehicle is not enrolled.</summary>
    public int? EnrollmentRank { get; init; }

    /// <summary>Whether the program is offered at the EVSE's site (its utility and site lists).</summary>
    public bool SiteEligible { get; init; } = true;

    /// <summary>A utility emergency program: always first (seed A.1.1).</summary>
    public bool IsUtilityEmergency => IsEmergency && OperatorKind == OperatorKind.Utility;

    public bool InForceAt(DateTimeOffset now) => !Cancelled && now >= Start && now < End;
}

/// <summary>The EVSE-side facts: the charger, its site's policy, and whether it is online.</summary>
public sealed record EvseFacts
{
    public required Guid EvseId { get; init; }

    public required string Name { get; init; }

    public CurrentType Current { get; init; }

    public double RatedChargeKw { get; init; }

    public double RatedDischargeKw { get; init; }

    public bool OwnerAllowsDischarge { get; init; }

    public bool Online { get; init; } = true;

    /// <summary>False when the EVSE's live link cannot carry a discharge (an OCPP 2.0.1 station).</summary>
    public bool LinkCarriesDischarge { get; init; } = true;

    public SitePolicy SitePolicy { get; init; } = new();

    public TimeZoneInfo SiteTimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The grid's voltage and frequency the EVSE measures, for volt-watt and frequency-watt; null = nominal.</summary>
    public GridSecurity.Ieee1547.GridConditions? GridConditions { get; init; }

    /// <summary>What the EVSE reports of its own grid state (in service, tripped, entering service again).</summary>
    public EvseGridState GridState { get; init; }

    /// <summary>How much more the site may export now (its cap minus running commands); null = no cap.</summary>
    public double? SiteExportHeadroomKw { get; init; }
}

/// <summary>An EVSE's own state towards the grid, as it reports it (IEEE 1547 trips and enter service).</summary>
public enum EvseGridState
{
    InService,
    Ceased,
    Tripped,
    EnteringService,
}

/// <summary>The EV-side facts: the car and what it reports now.</summary>
public sealed record VehicleFacts
{
    public required Guid VehicleId { get; init; }

    public double BatteryKwh { get; init; }

    public double MaxDischargeKw { get; init; }

    public bool SupportsAcDischarge { get; init; }

    public bool SupportsDcDischarge { get; init; }

    public bool J3072Capable { get; init; }

    public double SocPercent { get; init; }

    /// <summary>Plugged in at the EVSE this decision is about.</summary>
    public bool PluggedIn { get; init; } = true;

    /// <summary>The car's maker has a live telematics link to the portal (needed when the car executes the program).</summary>
    public bool TelematicsOnline { get; init; } = true;

    public bool Supports(CurrentType current) => current == CurrentType.Ac ? SupportsAcDischarge : SupportsDcDischarge;

    public static VehicleFacts From(Vehicle v, double socPercent, bool pluggedIn = true) => new()
    {
        VehicleId = v.Id,
        BatteryKwh = v.BatteryKwh,
        MaxDischargeKw = v.MaxDischargeKw,
        SupportsAcDischarge = v.SupportsAcDischarge,
        SupportsDcDischarge = v.SupportsDcDischarge,
        J3072Capable = v.J3072Capable,
        SocPercent = socPercent,
        PluggedIn = pluggedIn,
    };
}

/// <summary>Everything <see cref="AgreementToDischarge.Decide"/> needs, as values, at one instant.</summary>
public sealed record DecisionInput
{
    public required DateTimeOffset Now { get; init; }

    public required EventOffer Event { get; init; }

    /// <summary>Other events that could claim this vehicle now; the highest priority one wins.</summary>
    public IReadOnlyList<EventOffer> CompetingEvents { get; init; } = [];

    public required EvseFacts Evse { get; init; }

    public required VehicleFacts Vehicle { get; init; }

    public required DischargePreferences Preferences { get; init; }

    /// <summary>The vehicle owner's time zone (departures, windows); resolved once by the caller.</summary>
    public TimeZoneInfo DriverTimeZone { get; init; } = TimeZoneInfo.Utc;

    public required GridRules Grid { get; init; }
}
