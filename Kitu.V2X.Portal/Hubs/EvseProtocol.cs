namespace Kitu.V2X.Portal.Hubs;

// The EVSE live-connection protocol, version 1 (docs/evse-protocol.md). Records so both sides share one definition.

/// <summary>EVSE → portal, first message after connecting.</summary>
public sealed record HelloMessage(int ProtocolVersion, string? Make, string? Model, string? Firmware, double MaxChargeKw, double MaxDischargeKw);

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
/// discharging) and the command it is executing.
/// </summary>
public sealed record StatusMessage(bool Plugged, string? VehicleIdentifier, double? SocPercent, bool J3072Capable, double PowerKw, EvseState State, Guid? CommandId);

/// <summary>Portal → EVSE: the grid rules in force (from the grid layer, by EVSE id only).</summary>
public sealed record GridRulesMessage(bool Integrated, bool? Energize, bool? Connect, double? ExportLimitKw, string? ActiveControl, DateTimeOffset? ValidUntil);

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
}
