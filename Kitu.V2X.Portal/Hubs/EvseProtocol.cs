using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;

namespace Kitu.V2X.Portal.Hubs;

// The EVSE live-connection protocol, version 3 (docs/evse-protocol.md; versions 1 and 2 are still served). Records
// so both sides share one definition.

/// <summary>
/// EVSE → portal, first message after connecting. Version 2 adds what the EVSE applies of IEEE 1547 (the 2030.5
/// function names, <c>opModMaxLimW</c>, <c>opModVoltVar</c>, …), its nominal voltage and its ramp rate; a version 1
/// EVSE applies connect, energize and the active-power limit. Version 3 adds where the EVSE's 2030.5 client runs:
/// <c>"resident"</c> — the EVSE runs its own, with its manufacturer's certificate, whose LFDI and SFDI it gives — or
/// <c>"portal"</c> (the default) — the portal runs one for it.
/// </summary>
public sealed record HelloMessage(
    int ProtocolVersion,
    string? Make,
    string? Model,
    string? Firmware,
    double MaxChargeKw,
    double MaxDischargeKw,
    IReadOnlyList<string>? GridFunctions = null,
    double? NominalVoltageV = null,
    double? RampPercentPerSecond = null,
    string? GridClient = null,
    string? Lfdi = null,
    ulong? Sfdi = null)
{
    public const string ResidentClient = "resident";

    public bool RunsOwnGridClient => string.Equals(GridClient, ResidentClient, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Portal → EVSE that runs its own 2030.5 client (version 3): the approved server its owner bound it to — the
/// DeviceCapability URL, the utility's CA to trust (PEM), the registration PIN — or, with <paramref name="Bound"/>
/// false, that it is bound to none (its client stops). Sent after its hello and whenever the owner changes the binding.
/// </summary>
public sealed record GridServerMessage(bool Bound, string? ServerName, string? DeviceCapabilityUrl, string? TrustAnchorPem, uint? RegistrationPin, int? MinimumPollSeconds);

/// <summary>
/// EVSE → portal, from an EVSE that runs its own 2030.5 client (version 3): its identity, its state with the server
/// and the IEEE 1547 functions in force — after every read of the server and whenever an event boundary changes them,
/// at least every pollRate. The portal decides discharge from these and treats silence past twice the pollRate as
/// "not grid-integrated".
/// </summary>
public sealed record GridReportMessage(
    string Lfdi,
    ulong Sfdi,
    GridIntegration Integration,
    string? Detail,
    uint PollRateSeconds,
    DateTimeOffset? LastContact,
    DateTimeOffset? ValidUntil,
    Ieee1547Functions? Functions,
    IReadOnlyList<GridControlInForce>? Controls,
    ActiveGridControl? ActiveControl,
    IReadOnlyList<string>? Warnings)
{
    /// <summary>The report of an EVSE's own client session's rules.</summary>
    public static GridReportMessage From(GridRules rules, DeviceIdentity identity, TimeSpan pollRate)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(identity);
        return new GridReportMessage(
            identity.Lfdi,
            identity.Sfdi,
            rules.Integration,
            rules.IntegrationDetail,
            (uint)Math.Clamp(pollRate.TotalSeconds, 1, 86_400),
            rules.LastContact,
            rules.ValidUntil,
            rules.Functions,
            rules.Controls,
            rules.ActiveControl,
            rules.Warnings);
    }
}

/// <summary>What the EVSE is doing.</summary>
public enum EvseState
{
    Idle,
    Charging,
    Discharging,
    Faulted,
}

/// <summary>
/// EVSE → portal, on change and at least every few seconds: whether a vehicle is plugged and its identifier as the
/// EVSE reads it, the EV's SoC and J3072 capability, the measured power (kW, positive = charging, negative =
/// discharging) and the command it is executing. Version 2 adds the grid as measured at the EVSE (voltage,
/// frequency), its reactive power (kvar, positive = injecting), the IEEE 1547 function that tripped it, if any, and
/// its state towards the grid (in service, ceased, tripped, entering service again).
/// </summary>
public sealed record StatusMessage(
    bool Plugged,
    string? VehicleIdentifier,
    double? SocPercent,
    bool J3072Capable,
    double PowerKw,
    EvseState State,
    Guid? CommandId,
    double? GridVoltageV = null,
    double? GridFrequencyHz = null,
    double? ReactiveKvar = null,
    string? GridTrip = null,
    Domain.Mediation.EvseGridState? GridState = null);

/// <summary>
/// Portal → EVSE: the grid rules in force (from the grid layer, by EVSE id only). <paramref name="Functions"/> carries
/// every IEEE 1547 function in force (version 2: limit, energize and connect, power factor, var, curves, droop, trips,
/// enter service, ramp) and <paramref name="Controls"/> which event sets which function until when; <paramref name="Defaults"/>
/// and <paramref name="Schedule"/> the same apart (the default controls alone; each event in force or to come alone)
/// for an EVSE that keeps a schedule of its own. Not integrated ⇒
/// no discharge, but the EVSE keeps applying the functions (they are safety settings).
/// </summary>
public sealed record GridRulesMessage(
    bool Integrated,
    bool? Energize,
    bool? Connect,
    double? ExportLimitKw,
    string? ActiveControl,
    DateTimeOffset? ValidUntil,
    Ieee1547Functions? Functions = null,
    IReadOnlyList<GridControlInForce>? Controls = null,
    Ieee1547Functions? Defaults = null,
    IReadOnlyList<GridScheduledControl>? Schedule = null)
{
    /// <summary>The message for the rules of one EVSE.</summary>
    public static GridRulesMessage From(GridRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var integrated = rules.Integration == GridIntegration.Integrated;
        return new GridRulesMessage(
            integrated,
            rules.Energize,
            rules.Connect,
            rules.ExportLimitW is { } w ? w / 1000 : null,
            rules.ActiveControl?.Description,
            integrated ? rules.ValidUntil : null,
            rules.Functions,
            rules.Controls,
            rules.DefaultFunctions,
            rules.Schedule);
    }
}

/// <summary>Portal → EVSE: what the site owner allows.</summary>
public sealed record OwnerPolicyMessage(bool AllowDischarge, double? MaxExportKw, double? SiteSocFloorPercent);

/// <summary>
/// Portal → EVSE: discharge at <paramref name="Kw"/> until <paramref name="Until"/>; stop by yourself at
/// <paramref name="FailSafeDeadline"/> unless the same command id arrives again with a later one. A repeated id never
/// restarts the command.
/// </summary>
public sealed record DischargeCommandMessage(Guid CommandId, double Kw, DateTimeOffset Until, string Program, DateTimeOffset FailSafeDeadline);

/// <summary>Portal → EVSE: stop this command now; the reason is a stable id (<c>ev.stopped_by_driver</c>).</summary>
public sealed record StopMessage(Guid CommandId, string Reason);

/// <summary>The portal's calls on a connected EVSE.</summary>
public interface IEvseClient
{
    Task GridRules(GridRulesMessage rules);

    Task GridServer(GridServerMessage server);

    Task OwnerPolicy(OwnerPolicyMessage policy);

    Task Discharge(DischargeCommandMessage command);

    Task Stop(StopMessage stop);
}

/// <summary>Reason codes an EVSE may give when it rejects a command (its own checks, seed §2.6).</summary>
public static class EvseRejectReasons
{
    public const string NotGridIntegrated = "evse.not_grid_integrated";
    public const string GridForbidsExport = "evse.grid_forbids_export";
    public const string OwnerForbids = "evse.owner_forbids";
    public const string NoVehicle = "evse.no_vehicle";
    public const string VehicleRefused = "ev.refused";
    public const string Busy = "evse.busy";
    public const string Tripped = "evse.tripped";
    public const string EnteringService = "evse.entering_service";
}
