namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>Who refuses (seed §2.6): the charger, the car, the grid's rules, or the program.</summary>
public enum RefusingSide
{
    Evse,
    Ev,
    Grid,
    Program,
}

/// <summary>Every reason discharge may not happen or must stop. The catalogue gives each a stable code.</summary>
public enum ReasonCode
{
    EvseNotBound,
    EvseNotRegistered,
    EvseGridRulesMissing,
    EvseGridRulesStale,
    EvseGridFailed,
    EvseOffline,
    EvseDischargeNotAllowed,
    EvseCannotDischarge,
    EvseAcVehicleWithoutJ3072,
    EvseCurrentNotSupportedByVehicle,
    EvseOutsideSiteHours,
    EvseSiteExportCapReached,
    GridCeaseToEnergize,
    GridDisconnected,
    GridExportLimitZero,
    GridLimitLowered,
    EvNotPluggedIn,
    EvCannotDischarge,
    EvSocAtFloor,
    EvChargerNotTrusted,
    EvNoConsent,
    EvOptedOutToday,
    EvOutsideAllowedWindows,
    EvDepartureTargetUnreachable,
    EvNotEnrolled,
    EvStoppedByDriver,
    ProgramNotPublished,
    ProgramNotEligible,
    ProgramEventNotStarted,
    ProgramEventEnded,
    ProgramEventCancelled,
    ProgramSuperseded,
    EvNoTelematicsLink,
    ProgramTargetReached,
}

/// <summary>One reason, with the sentence a driver or site owner reads ("Your car is at 38 %, below your 40 % floor").</summary>
public sealed record Reason(ReasonCode Code, string Text)
{
    public string Id => ReasonCatalog.Of(Code).Id;

    public RefusingSide Side => ReasonCatalog.Of(Code).Side;

    public override string ToString() => $"{Id}: {Text}";
}

/// <summary>The catalogue of reasons: stable code, side, and what it means in general. docs/discharge-rules.md is checked against it.</summary>
public static class ReasonCatalog
{
    public sealed record Entry(ReasonCode Code, string Id, RefusingSide Side, string Meaning);

    private static readonly Entry[] Entries =
    [
        new(ReasonCode.EvseNotBound, "evse.not_bound", RefusingSide.Evse, "The charger is not bound to a utility-approved IEEE 2030.5 server, so it is not grid-integrated."),
        new(ReasonCode.EvseNotRegistered, "evse.not_registered", RefusingSide.Evse, "The 2030.5 server does not register the charger (or the registration PIN did not match)."),
        new(ReasonCode.EvseGridRulesMissing, "evse.grid_rules_missing", RefusingSide.Evse, "The charger has not received grid rules yet."),
        new(ReasonCode.EvseGridRulesStale, "evse.grid_rules_stale", RefusingSide.Evse, "The charger lost contact with its 2030.5 server for too long; its grid rules may be out of date."),
        new(ReasonCode.EvseGridFailed, "evse.grid_failed", RefusingSide.Evse, "The last exchange with the 2030.5 server failed (TLS, HTTP, a malformed document)."),
        new(ReasonCode.EvseOffline, "evse.offline", RefusingSide.Evse, "The charger has no live connection to the portal."),
        new(ReasonCode.EvseDischargeNotAllowed, "evse.discharge_not_allowed", RefusingSide.Evse, "The site owner has not allowed discharge on this charger."),
        new(ReasonCode.EvseCannotDischarge, "evse.cannot_discharge", RefusingSide.Evse, "The charger is not bidirectional (rated discharge power 0)."),
        new(ReasonCode.EvseAcVehicleWithoutJ3072, "evse.ac_vehicle_without_j3072", RefusingSide.Evse, "An AC charger needs a car that can receive IEEE 1547 functions (SAE J3072); this one cannot."),
        new(ReasonCode.EvseCurrentNotSupportedByVehicle, "evse.current_not_supported_by_vehicle", RefusingSide.Evse, "The car cannot discharge through this kind of charger (AC or DC)."),
        new(ReasonCode.EvseOutsideSiteHours, "evse.outside_site_hours", RefusingSide.Evse, "The site owner allows discharge only in certain hours, and now is outside them."),
        new(ReasonCode.EvseSiteExportCapReached, "evse.site_export_cap_reached", RefusingSide.Evse, "The site already exports the most its owner allows."),
        new(ReasonCode.GridCeaseToEnergize, "grid.cease_to_energize", RefusingSide.Grid, "The utility's rules in force say cease to energize (opModEnergize false)."),
        new(ReasonCode.GridDisconnected, "grid.disconnected", RefusingSide.Grid, "The utility's rules in force say disconnect (opModConnect false)."),
        new(ReasonCode.GridExportLimitZero, "grid.export_limit_zero", RefusingSide.Grid, "The utility's active-power limit allows no export (opModMaxLimW 0)."),
        new(ReasonCode.GridLimitLowered, "grid.limit_lowered", RefusingSide.Grid, "The utility lowered the export limit below the power being discharged; a new command at the lower power may follow."),
        new(ReasonCode.EvNotPluggedIn, "ev.not_plugged_in", RefusingSide.Ev, "The car is not plugged in at the charger."),
        new(ReasonCode.EvCannotDischarge, "ev.cannot_discharge", RefusingSide.Ev, "The car is not bidirectional (maximum discharge power 0)."),
        new(ReasonCode.EvSocAtFloor, "ev.soc_at_floor", RefusingSide.Ev, "The battery is at or below the floor (the driver's, or the site's when higher); a running discharge stops there."),
        new(ReasonCode.EvChargerNotTrusted, "ev.charger_not_trusted", RefusingSide.Ev, "The driver allows discharge only at trusted chargers, and this is not one."),
        new(ReasonCode.EvNoConsent, "ev.no_consent", RefusingSide.Ev, "The driver has not given (or has withdrawn) consent to discharge."),
        new(ReasonCode.EvOptedOutToday, "ev.opted_out_today", RefusingSide.Ev, "The driver chose \"not today\"."),
        new(ReasonCode.EvOutsideAllowedWindows, "ev.outside_allowed_windows", RefusingSide.Ev, "The driver allows discharge only in certain hours, and now is outside them."),
        new(ReasonCode.EvDepartureTargetUnreachable, "ev.departure_target_unreachable", RefusingSide.Ev, "Discharging would leave too little time to charge back to the departure target at the charger's rate."),
        new(ReasonCode.EvNotEnrolled, "ev.not_enrolled", RefusingSide.Ev, "The car is not enrolled in the program that sent the event."),
        new(ReasonCode.EvNoTelematicsLink, "ev.no_telematics_link", RefusingSide.Ev, "The program is executed by the car, and the car's maker has no live telematics link to the portal to carry the command."),
        new(ReasonCode.EvStoppedByDriver, "ev.stopped_by_driver", RefusingSide.Ev, "The driver pressed \"Stop discharging now\"."),
        new(ReasonCode.ProgramNotPublished, "program.not_published", RefusingSide.Program, "The program is not open (a draft or retired)."),
        new(ReasonCode.ProgramNotEligible, "program.not_eligible", RefusingSide.Program, "The program is not offered at this site (its utility or site list excludes it)."),
        new(ReasonCode.ProgramEventNotStarted, "program.event_not_started", RefusingSide.Program, "The event has not started yet."),
        new(ReasonCode.ProgramEventEnded, "program.event_ended", RefusingSide.Program, "The event's window is over (a running command has expired)."),
        new(ReasonCode.ProgramEventCancelled, "program.event_cancelled", RefusingSide.Program, "The operator cancelled the event."),
        new(ReasonCode.ProgramTargetReached, "program.target_reached", RefusingSide.Program, "The event asks for a total power, and the cars already discharging for it meet that target."),
        new(ReasonCode.ProgramSuperseded, "program.superseded", RefusingSide.Program, "Another event comes first: a utility emergency program, then the driver's rank, then the earlier event."),
    ];

    private static readonly Entry[] ByCode = BuildIndex();

    public static IReadOnlyList<Entry> All => Entries;

    public static Entry Of(ReasonCode code) => ByCode[(int)code];

    private static Entry[] BuildIndex()
    {
        var index = new Entry[Enum.GetValues<ReasonCode>().Length];
        foreach (var e in Entries)
        {
            index[(int)e.Code] = e;
        }

        return index;
    }
}
