namespace Kitu.V2X.Portal.Hubs;

// The OEM telematics link, version 1 (docs/evse-protocol.md, "Telematics link"): how commands of EV-executed
// programs reach a car through its maker's cloud (seed A.2.2), and how the car says whether it follows them.

/// <summary>
/// Portal → OEM cloud: have this car discharge at <paramref name="Kw"/> until <paramref name="Until"/>, and stop by
/// itself at <paramref name="FailSafeDeadline"/> unless the same command id arrives again with a later one. The car
/// discharges through the EVSE it is plugged into, which still applies the grid's rules and its owner's policy.
/// </summary>
public sealed record VehicleCommandMessage(Guid CommandId, string VehicleIdentifier, double Kw, DateTimeOffset Until, string Program, DateTimeOffset FailSafeDeadline);

/// <summary>Portal → OEM cloud: the car stops this command now; the reason is a stable id.</summary>
public sealed record VehicleStopMessage(Guid CommandId, string VehicleIdentifier, string Reason);

/// <summary>
/// OEM cloud → portal, on change and every few seconds while a command is active: the power the car measures (kW,
/// negative = discharging), its SoC, and whether it judges the command followed — with the reason when not
/// (the EVSE cannot support discharge: seed A.2.2).
/// </summary>
public sealed record VehicleReportMessage(Guid CommandId, string VehicleIdentifier, double PowerKw, double? SocPercent, bool Following, string? Reason);

/// <summary>The portal's calls on a connected OEM cloud.</summary>
public interface ITelematicsClient
{
    Task Discharge(VehicleCommandMessage command);

    Task Stop(VehicleStopMessage stop);
}
