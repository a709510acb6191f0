using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>The virtual EVSE's own reasons to refuse or hold down a discharge (seed §2.6): grid rules, its owner's policy, a plugged car, and the cap its inverter allows now.</summary>
public sealed partial class VirtualEvse
{
    /// <summary>The EVSE's own reasons to refuse (seed §2.6): it enforces the grid rules and its owner's policy itself.</summary>
    private string? OwnChecks(DischargeCommandMessage command) => Ev is null ? EvseRejectReasons.NoVehicle : OwnChecks(command.Kw);

    private string? OwnChecks(double commandKw)
    {
        if (active is not null)
        {
            return EvseRejectReasons.Busy;
        }

        if (Grid is not { Integrated: true } grid)
        {
            return EvseRejectReasons.NotGridIntegrated;
        }

        var now = time.GetUtcNow();
        if (grid.Energize != false && grid.Connect != false && (inverter.OutOfService || inverter.Ramping(now)))
        {
            return inverter.Tripped is not null ? EvseRejectReasons.Tripped : EvseRejectReasons.EnteringService;
        }

        var cap = inverter.ExportCapKw(now);
        if (grid.Energize == false || grid.Connect == false || cap <= 0 || commandKw > Math.Min(cap, grid.ExportLimitKw ?? double.MaxValue) + 1e-6)
        {
            return EvseRejectReasons.GridForbidsExport;
        }

        return Policy is { AllowDischarge: true } ? null : EvseRejectReasons.OwnerForbids;
    }

    /// <summary>
    /// The EVSE enforces the grid's functions whoever commands: the power of a running discharge never exceeds the
    /// inverter's export cap at the measured grid, and the reactive power follows the function in force. True when
    /// the power changed (worth a status report).
    /// </summary>
    private bool ApplyCap(DateTimeOffset now)
    {
        var before = PowerKw;
        var cap = inverter.ExportCapKw(now);
        PowerKw = active is { } a ? -Math.Min(a.Kw, cap) : 0;
        if (active is { } held && cap < held.Kw)
        {
            HeldToKw = cap;
        }

        ReactiveKvar = inverter.ReactiveKvar(-PowerKw);
        return Math.Abs(before - PowerKw) > 1e-6;
    }
}
