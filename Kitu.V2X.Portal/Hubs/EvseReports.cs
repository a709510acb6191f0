using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Grid;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// What any EVSE link reports, taken the same way whatever the transport (SignalR hub or OCPP): the status goes to the
/// registry of live links (consumer side) and, as a 2030.5 DERStatus by EVSE id only, to the grid layer.
/// </summary>
public sealed class EvseReports(EvseConnections connections, MediatorNotifier notifier, GridClientWorker grid, TimeProvider time)
{
    /// <summary>A checked status from a live link.</summary>
    public void Status(LiveEvse evse, StatusMessage status)
    {
        ArgumentNullException.ThrowIfNull(evse);
        ArgumentNullException.ThrowIfNull(status);
        if (!connections.IsCurrent(evse))
        {
            return; // a late report of a link that was replaced or has closed
        }

        var now = time.GetUtcNow();
        connections.Report(evse, status, now);
        grid.Report(evse.EvseId, new DerDeviceStatus(
            now,
            Connected: true,
            Available: status.State != EvseState.Faulted,
            Operating: status.State is EvseState.Charging or EvseState.Discharging,
            Mode: status.PowerKw > 0 ? StorageMode.Charging : status.PowerKw < 0 ? StorageMode.Discharging : StorageMode.Holding,
            ActivePowerW: -status.PowerKw * 1000, // 2030.5 counts injection positive
            // The charger's capability, not whether a car is plugged in: a car's presence at a home is the household's business.
            AvailableExportW: status.State != EvseState.Faulted ? (evse.Hello?.MaxDischargeKw ?? 0) * 1000 : 0,
            Fault: status.State == EvseState.Faulted));
        notifier.EvseStatus(evse.EvseId, status);
    }

    /// <summary>A link closed: the grid layer hears the EVSE is gone if it was the current link, and the registry forgets it.</summary>
    public void Gone(Guid evseId, string connectionId)
    {
        if (connections.Get(evseId) is { } live && live.ConnectionId == connectionId)
        {
            grid.Report(evseId, new DerDeviceStatus(time.GetUtcNow(), false, false, false, StorageMode.Holding, 0, 0));
        }

        connections.Remove(evseId, connectionId);
    }
}
