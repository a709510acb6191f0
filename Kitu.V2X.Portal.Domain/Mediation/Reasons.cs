namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>Who refuses (seed §2.6): the charger, the car, the grid's rules, or the program.</summary>
public enum RefusingSide
{
    Evse,
    Ev,
    Grid,
    Program,

    /// <summary>The portal itself (a command it no longer runs).</summary>
    Portal,
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
    EvseTripped,
    EvseEnteringService,
    EvseLinkWithoutV2x,

    // The command lifecycle: what ends or interrupts a command once it is out (links, acks, the executor's answer).
    EvseLinkLost,
    EvLinkLost,
    EvseNoAck,
    EvNoAck,
    EvseNotFollowed,
    EvNotFollowed,
    EvseRefusedNotGridIntegrated,
    EvseRefusedGridForbidsExport,
    EvseRefusedOwnerForbids,
    EvseNoVehicle,
    EvseBusy,
    EvseRejected,
    EvRefused,
    EvRejected,
    EvseNotRunningAfterRestart,
    PortalUnknownCommand,
    GridLimitRaised,
}

/// <summary>One reason, with the sentence a driver or site owner reads ("Your car is at 38 %, below your 40 % floor").</summary>
public sealed record Reason(ReasonCode Code, string Text)
{
    public string Id => ReasonCatalog.Of(Code).Id;

    public RefusingSide Side => ReasonCatalog.Of(Code).Side;

    public override string ToString() => $"{Id}: {Text}";
}

/// <summary>
/// The catalogue of reasons: stable code, side, what it means in general, and whether it can clear while an event is
/// in force (then a refused or stopped car is decided again when a fact changes). docs/discharge-rules.md is checked
/// against it.
/// </summary>
public static class ReasonCatalog
{
    public sealed record Entry(ReasonCode Code, string Id, RefusingSide Side, string Meaning)
    {
        /// <summary>A refusal or stop for this reason can clear while the event is in force.</summary>
        public bool Clears { get; init; } = true;
    }

    private static readonly Entry[] Entries =
    [
        new(ReasonCode.EvseNotBound, "evse.not_bound", RefusingSide.Evse, "The charger is not bound to a utility-approved IEEE 2030.5 server, so it is not grid-integrated."),
        new(ReasonCode.EvseNotRegistered, "evse.not_registered", RefusingSide.Evse, "The 2030.5 server does not register the charger (or the registration PIN did not match)."),
        new(ReasonCode.EvseGridRulesMissing, "evse.grid_rules_missing", RefusingSide.Evse, "The charger has not received grid rules yet."),
        new(ReasonCode.EvseGridRulesStale, "evse.grid_rules_stale", RefusingSide.Evse, "The charger lost contact with its 2030.5 server for too long; its grid rules may be out of date."),
        new(ReasonCode.EvseGridFailed, "evse.grid_failed", RefusingSide.Evse, "The last exchange with the 2030.5 server failed (TLS, HTTP, a malformed document)."),
        new(ReasonCode.EvseOffline, "evse.offline", RefusingSide.Evse, "The charger has no live connection to the portal."),
        new(ReasonCode.EvseDischargeNotAllowed, "evse.discharge_not_allowed", RefusingSide.Evse, "The site owner has not allowed discharge on this charger."),
        new(ReasonCode.EvseCannotDischarge, "evse.cannot_discharge", RefusingSide.Evse, "The charger is not bidirectional (rated discharge power 0).") { Clears = false },
        new(ReasonCode.EvseAcVehicleWithoutJ3072, "evse.ac_vehicle_without_j3072", RefusingSide.Evse, "An AC charger needs a car that can receive IEEE 1547 functions (SAE J3072); this one cannot."),
        new(ReasonCode.EvseCurrentNotSupportedByVehicle, "evse.current_not_supported_by_vehicle", RefusingSide.Evse, "The car cannot discharge through this kind of charger (AC or DC)."),
        new(ReasonCode.EvseOutsideSiteHours, "evse.outside_site_hours", RefusingSide.Evse, "The site owner allows discharge only in certain hours, and now is outside them."),
        new(ReasonCode.EvseSiteExportCapReached, "evse.site_export_cap_reached", RefusingSide.Evse, "The site already exports the most its owner allows."),
        new(ReasonCode.EvseLinkWithoutV2x, "evse.link_without_v2x", RefusingSide.Evse, "The charger's link cannot carry a discharge — OCPP 2.0.1, or an OCPP 2.1 station that reports V2X off or without central setpoints; it charges normally.") { Clears = false },
        new(ReasonCode.EvseTripped, "evse.tripped", RefusingSide.Evse, "The charger tripped off the grid: the voltage or frequency there went beyond a must-trip or momentary-cessation curve in force (IEEE 1547)."),
        new(ReasonCode.EvseEnteringService, "evse.entering_service", RefusingSide.Evse, "The charger is waiting to enter service again after a cease to energize or a trip (IEEE 1547 enter-service delay and window)."),
        new(ReasonCode.GridCeaseToEnergize, "grid.cease_to_energize", RefusingSide.Grid, "The utility's rules in force say cease to energize (opModEnergize false)."),
        new(ReasonCode.GridDisconnected, "grid.disconnected", RefusingSide.Grid, "The utility's rules in force say disconnect (opModConnect false)."),
        new(ReasonCode.GridExportLimitZero, "grid.export_limit_zero", RefusingSide.Grid, "The utility's active-power limit allows no export (opModMaxLimW 0)."),
        new(ReasonCode.GridLimitLowered, "grid.limit_lowered", RefusingSide.Grid, "The utility lowered the export limit below the power being discharged; a new command at the lower power may follow."),
        new(ReasonCode.EvNotPluggedIn, "ev.not_plugged_in", RefusingSide.Ev, "The car is not plugged in at the charger."),
        new(ReasonCode.EvCannotDischarge, "ev.cannot_discharge", RefusingSide.Ev, "The car is not bidirectional (maximum discharge power 0).") { Clears = false },
        new(ReasonCode.EvSocAtFloor, "ev.soc_at_floor", RefusingSide.Ev, "The battery is at or below the floor (the driver's, or the site's when higher); a running discharge stops there."),
        new(ReasonCode.EvChargerNotTrusted, "ev.charger_not_trusted", RefusingSide.Ev, "The driver allows discharge only at trusted chargers, and this is not one."),
        new(ReasonCode.EvNoConsent, "ev.no_consent", RefusingSide.Ev, "The driver has not given (or has withdrawn) consent to discharge."),
        new(ReasonCode.EvOptedOutToday, "ev.opted_out_today", RefusingSide.Ev, "The driver chose \"not today\"."),
        new(ReasonCode.EvOutsideAllowedWindows, "ev.outside_allowed_windows", RefusingSide.Ev, "The driver allows discharge only in certain hours, and now is outside them."),
        new(ReasonCode.EvDepartureTargetUnreachable, "ev.departure_target_unreachable", RefusingSide.Ev, "Discharging would leave too little time to charge back to the departure target at the charger's rate."),
        new(ReasonCode.EvNotEnrolled, "ev.not_enrolled", RefusingSide.Ev, "The car is not enrolled in the program that sent the event."),
        new(ReasonCode.EvNoTelematicsLink, "ev.no_telematics_link", RefusingSide.Ev, "The program is executed by the car, and the car's maker has no live telematics link to the portal to carry the command."),
        new(ReasonCode.EvStoppedByDriver, "ev.stopped_by_driver", RefusingSide.Ev, "The driver pressed \"Stop discharging now\".") { Clears = false },
        new(ReasonCode.ProgramNotPublished, "program.not_published", RefusingSide.Program, "The program is not open (a draft or retired)."),
        new(ReasonCode.ProgramNotEligible, "program.not_eligible", RefusingSide.Program, "The program is not offered at this site (its utility or site list excludes it).") { Clears = false },
        new(ReasonCode.ProgramEventNotStarted, "program.event_not_started", RefusingSide.Program, "The event has not started yet."),
        new(ReasonCode.ProgramEventEnded, "program.event_ended", RefusingSide.Program, "The event's window is over (a running command has expired).") { Clears = false },
        new(ReasonCode.ProgramEventCancelled, "program.event_cancelled", RefusingSide.Program, "The operator cancelled the event.") { Clears = false },
        new(ReasonCode.ProgramTargetReached, "program.target_reached", RefusingSide.Program, "The event asks for a total power, and the cars already discharging for it meet that target."),
        new(ReasonCode.EvseLinkLost, "evse.link_lost", RefusingSide.Evse, "The live link to the charger was lost for longer than the grace time; the charger stops by itself at the command's fail-safe deadline."),
        new(ReasonCode.EvLinkLost, "ev.link_lost", RefusingSide.Ev, "The car maker's telematics link was lost for longer than the grace time; the car stops by itself at the command's fail-safe deadline."),
        new(ReasonCode.EvseNoAck, "evse.no_ack", RefusingSide.Evse, "The charger did not acknowledge the command after every resend."),
        new(ReasonCode.EvNoAck, "ev.no_ack", RefusingSide.Ev, "The car did not acknowledge the command (over its maker's link) after every resend."),
        new(ReasonCode.EvseNotFollowed, "evse.not_followed", RefusingSide.Evse, "The charger acknowledged, but the power it measured stayed off the command for longer than the grace time."),
        new(ReasonCode.EvNotFollowed, "ev.not_followed", RefusingSide.Ev, "The car reports the command is not followed (the charger cannot support discharge, or its power stayed off the command)."),
        new(ReasonCode.EvseRefusedNotGridIntegrated, "evse.not_grid_integrated", RefusingSide.Evse, "The charger refused the command: by its own reckoning it is not grid-integrated."),
        new(ReasonCode.EvseRefusedGridForbidsExport, "evse.grid_forbids_export", RefusingSide.Evse, "The charger refused the command: the grid's rules it applies do not allow that export now."),
        new(ReasonCode.EvseRefusedOwnerForbids, "evse.owner_forbids", RefusingSide.Evse, "The charger refused the command: its owner's policy, as it holds it, forbids discharge."),
        new(ReasonCode.EvseNoVehicle, "evse.no_vehicle", RefusingSide.Evse, "The charger refused the command: no car is plugged in."),
        new(ReasonCode.EvseBusy, "evse.busy", RefusingSide.Evse, "The charger refused the command: it is already executing another one."),
        new(ReasonCode.EvseRejected, "evse.rejected", RefusingSide.Evse, "The charger refused the command with a reason of its own (kept with the command)."),
        new(ReasonCode.EvRefused, "ev.refused", RefusingSide.Ev, "The car refused to discharge (its own reasons, through the charger or its maker's link)."),
        new(ReasonCode.EvRejected, "ev.rejected", RefusingSide.Ev, "The car refused the command with a reason of its own (kept with the command)."),
        new(ReasonCode.EvseNotRunningAfterRestart, "evse.not_running_after_restart", RefusingSide.Evse, "After the portal restarted, the charger was no longer running the command (it had stopped by itself at its fail-safe deadline); the car is decided again."),
        new(ReasonCode.PortalUnknownCommand, "portal.unknown_command", RefusingSide.Portal, "A charger or car was discharging for a command the portal does not run (any more): it is told to stop."),
        new(ReasonCode.GridLimitRaised, "grid.limit_raised", RefusingSide.Grid, "The utility raised the export limit (or a tighter function ended): the command's power is raised to the new limit."),
        new(ReasonCode.ProgramSuperseded, "program.superseded", RefusingSide.Program, "Another event comes first: a utility emergency program, then the driver's rank, then the earlier event."),
    ];

    private static readonly Entry[] ByCode = BuildIndex();

    public static IReadOnlyList<Entry> All => Entries;

    /// <summary>Reasons a command's life gives (links, acks, executors' answers, the portal's own), not a decision.</summary>
    public static IReadOnlySet<ReasonCode> CommandLifecycle { get; } = new HashSet<ReasonCode>
    {
        ReasonCode.EvStoppedByDriver, ReasonCode.GridLimitLowered, ReasonCode.GridLimitRaised,
        ReasonCode.EvseLinkLost, ReasonCode.EvLinkLost, ReasonCode.EvseNoAck, ReasonCode.EvNoAck, ReasonCode.EvseNotFollowed, ReasonCode.EvNotFollowed,
        ReasonCode.EvseRefusedNotGridIntegrated, ReasonCode.EvseRefusedGridForbidsExport, ReasonCode.EvseRefusedOwnerForbids, ReasonCode.EvseNoVehicle,
        ReasonCode.EvseBusy, ReasonCode.EvseRejected, ReasonCode.EvRefused, ReasonCode.EvRejected, ReasonCode.EvseNotRunningAfterRestart, ReasonCode.PortalUnknownCommand,
    };

    public static Entry Of(ReasonCode code) => ByCode[(int)code];

    private static readonly Dictionary<string, Entry> ById = Entries.ToDictionary(e => e.Id, StringComparer.Ordinal);

    /// <summary>The entry with this stable id, if the catalogue has it.</summary>
    public static Entry? WithId(string? id) => id is null ? null : ById.GetValueOrDefault(id);

    /// <summary>
    /// The reason for a code an executor sent back (a charger's or car's reject or "not followed"): the catalogue's own
    /// when it knows the code, else the generic one with the code kept in the sentence.
    /// </summary>
    public static Reason FromExecutor(string? code, bool byCar, string who)
    {
        if (WithId(code) is { } known)
        {
            return new Reason(known.Code, known.Meaning);
        }

        var generic = byCar ? ReasonCode.EvRejected : ReasonCode.EvseRejected;
        return new Reason(generic, $"{who} refused the command ({code ?? "no reason given"}).");
    }

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
