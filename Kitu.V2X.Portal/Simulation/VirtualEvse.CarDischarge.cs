using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>EV-executed programs at the virtual EVSE: the car asks to discharge through it (its maker's command), and the EVSE still enforces the grid's rules and its owner's policy on it.</summary>
public sealed partial class VirtualEvse
{
    /// <summary>
    /// The plugged car asks to discharge for a command it received over its maker's telematics link (seed A.2.2).
    /// The EVSE applies the same checks as for its own commands — grid integration and rules, its owner's policy —
    /// and returns its reason when it cannot support discharge; a repeated command id only extends the deadline.
    /// </summary>
    public async Task<string?> EvRequestsDischargeAsync(VehicleCommandMessage command)
    {
        ArgumentNullException.ThrowIfNull(command);
        string? refusal;
        lock (gate)
        {
            if (active is { ByEv: true } running && running.Id == command.CommandId)
            {
                active = running with { Deadline = command.FailSafeDeadline > running.Deadline ? command.FailSafeDeadline : running.Deadline, Kw = Math.Min(command.Kw, maxDischargeKw) };
                ApplyCap(time.GetUtcNow());
                return null;
            }

            refusal = Ev is null || !string.Equals(Ev.Identifier, command.VehicleIdentifier, StringComparison.OrdinalIgnoreCase)
                ? EvseRejectReasons.NoVehicle
                : OwnChecks(command.Kw);
            if (refusal is null)
            {
                var kw = Math.Min(command.Kw, maxDischargeKw);
                active = (command.CommandId, kw, command.Until, command.FailSafeDeadline, true);
                ApplyCap(time.GetUtcNow());
            }
        }

        if (refusal is null)
        {
            await ReportAsync();
        }

        return refusal;
    }

    /// <summary>The car stops discharging for its command (its maker's link said stop, or it judged it not followed).</summary>
    public async Task EvStopsAsync(Guid commandId)
    {
        lock (gate)
        {
            if (active is not { ByEv: true } running || running.Id != commandId)
            {
                return;
            }

            active = null;
            PowerKw = 0;
        }

        await ReportAsync();
    }

    /// <summary>Why the EVSE last ended discharge a car was running through it (its reason code), if it did.</summary>
    public string? CarDischargeEndedBecause { get; private set; }

    /// <summary>The command the car is discharging for through this EVSE, with the power measured, if any.</summary>
    public (Guid CommandId, double PowerKw)? EvDischarge
    {
        get
        {
            lock (gate)
            {
                return active is { ByEv: true } a ? (a.Id, PowerKw) : null;
            }
        }
    }

    /// <summary>
    /// Discharge a car runs through this EVSE ends here when the grid's rules or the owner's policy stop allowing it:
    /// the EVSE enforces them whoever commands (the car then reports its command not followed).
    /// </summary>
    private async Task EnforceOnCarDischargeAsync()
    {
        lock (gate)
        {
            if (active is not { ByEv: true } running)
            {
                return;
            }

            active = null;
            var refusal = OwnChecks(running.Kw);
            if (refusal is null)
            {
                active = running;
                return;
            }

            PowerKw = 0;
            CarDischargeEndedBecause = refusal;
        }

        await ReportAsync();
    }
}
