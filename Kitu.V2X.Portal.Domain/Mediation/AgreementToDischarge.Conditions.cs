using System.Globalization;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>The standing conditions of a decision: the car's, the charger's, the owner's and the driver's, and the grid's rules; an event that comes first.</summary>
public static partial class AgreementToDischarge
{
    /// <summary>Conditions that refuse a new command and stop a running one alike.</summary>
    private static void CheckStandingConditions(DecisionInput input, ref List<Reason>? reasons)
    {
        var now = input.Now;
        var offer = input.Event;
        var evse = input.Evse;
        var car = input.Vehicle;
        var prefs = input.Preferences;

        // The grid layer (seed §3.2.4): integrated, and its rules allow export.
        CheckGrid(input.Grid, evse, now, ref reasons);

        // The EVSE's own reasons.
        if (!evse.Online)
        {
            Add(ref reasons, ReasonCode.EvseOffline, $"{evse.Name} is offline.");
        }
        else if (!evse.LinkCarriesDischarge)
        {
            Add(ref reasons, ReasonCode.EvseLinkWithoutV2x, $"{evse.Name} cannot take a discharge over its link (OCPP 2.0.1, or V2X off at the station): it charges only.");
        }

        if (!evse.OwnerAllowsDischarge)
        {
            Add(ref reasons, ReasonCode.EvseDischargeNotAllowed, $"The owner of {evse.Name} has not allowed discharge on it.");
        }

        if (!car.Supports(evse.Current))
        {
            Add(ref reasons, ReasonCode.EvseCurrentNotSupportedByVehicle, $"This car cannot discharge through an {(evse.Current == CurrentType.Ac ? "AC" : "DC")} charger like {evse.Name}.");
        }
        else if (evse.Current == CurrentType.Ac && !car.J3072Capable)
        {
            Add(ref reasons, ReasonCode.EvseAcVehicleWithoutJ3072, $"{evse.Name} is an AC charger, and this car cannot receive the grid's safety settings (SAE J3072).");
        }

        if (evse.SitePolicy.AllowedHours is { } siteHours && !siteHours.Contains(LocalTime(now, evse.SiteTimeZone)))
        {
            Add(ref reasons, ReasonCode.EvseOutsideSiteHours, $"The site allows discharge only {siteHours}.");
        }

        // The EV's reasons: the driver's choices and the battery.
        if (!car.PluggedIn)
        {
            Add(ref reasons, ReasonCode.EvNotPluggedIn, $"Your car is not plugged in at {evse.Name}.");
        }

        if (offer.Executor == ProgramExecutor.Ev && !car.TelematicsOnline)
        {
            Add(ref reasons, ReasonCode.EvNoTelematicsLink, $"{offer.ProgramName} is run by the car, and its maker's telematics link is down.");
        }

        if (!prefs.Consent)
        {
            Add(ref reasons, ReasonCode.EvNoConsent, "You have not given consent to discharge.");
        }

        if (prefs.NotTodayUntil is { } notToday && now < notToday)
        {
            Add(ref reasons, ReasonCode.EvOptedOutToday, $"You chose \"not today\": no discharge until {Clock(notToday, input.DriverTimeZone)}.");
        }

        if (prefs.AllowedWindows.Count > 0 && ContainingWindow(input) is null)
        {
            Add(ref reasons, ReasonCode.EvOutsideAllowedWindows, $"You allow discharge only {string.Join(", ", prefs.AllowedWindows)}.");
        }

        if (prefs.OnlyTrustedChargers && !prefs.TrustedEvseIds.Contains(evse.EvseId))
        {
            Add(ref reasons, ReasonCode.EvChargerNotTrusted, $"You allow discharge only at your trusted chargers, and {evse.Name} is not one of them.");
        }

        var floor = EffectiveFloor(input);
        if (car.SocPercent <= floor)
        {
            Add(ref reasons, ReasonCode.EvSocAtFloor, car.SocPercent < floor
                ? $"Your car is at {Percent(car.SocPercent)}, below {FloorOwner(input, floor)} {Percent(floor)} floor."
                : $"Your car is at {Percent(car.SocPercent)}, at {FloorOwner(input, floor)} {Percent(floor)} floor.");
        }

        if (offer.EnrollmentRank is null)
        {
            Add(ref reasons, ReasonCode.EvNotEnrolled, $"Your car is not enrolled in {offer.ProgramName}.");
        }

        // The program's reasons.
        if (offer.ProgramStatus != ProgramStatus.Published)
        {
            Add(ref reasons, ReasonCode.ProgramNotPublished, $"{offer.ProgramName} is not open.");
        }

        if (!offer.SiteEligible)
        {
            Add(ref reasons, ReasonCode.ProgramNotEligible, $"{offer.ProgramName} is not offered at this charger's site.");
        }

        if (offer.Cancelled)
        {
            Add(ref reasons, ReasonCode.ProgramEventCancelled, $"{offer.ProgramName} cancelled this event.");
        }

        if (HigherPriorityEvent(input) is { } winner)
        {
            Add(ref reasons, ReasonCode.ProgramSuperseded, $"{winner.ProgramName} comes first: {EventPriority.Why(winner, offer)}.");
        }
    }

    private static void CheckGrid(GridRules grid, EvseFacts evse, DateTimeOffset now, ref List<Reason>? reasons)
    {
        if (!grid.IsIntegratedAt(now))
        {
            var detail = grid.IntegrationDetail is { Length: > 0 } d ? $" ({d})" : "";
            switch (grid.Integration)
            {
                case GridIntegration.NotBound:
                    Add(ref reasons, ReasonCode.EvseNotBound, $"{evse.Name} is not connected to the grid layer: its owner has not bound it to a utility-approved server.");
                    break;
                case GridIntegration.NotRegistered:
                    Add(ref reasons, ReasonCode.EvseNotRegistered, $"The utility's grid server has not registered {evse.Name}{detail}.");
                    break;
                case GridIntegration.RulesMissing:
                    Add(ref reasons, ReasonCode.EvseGridRulesMissing, $"{evse.Name} has not received grid rules from the utility yet.");
                    break;
                case GridIntegration.Failed:
                    Add(ref reasons, ReasonCode.EvseGridFailed, $"{evse.Name} could not read its grid rules{detail}.");
                    break;
                default:
                    Add(ref reasons, ReasonCode.EvseGridRulesStale, $"{evse.Name} lost contact with the utility's grid server, so its grid rules may be out of date.");
                    break;
            }

            return;
        }

        if (evse.GridState == EvseGridState.Tripped)
        {
            Add(ref reasons, ReasonCode.EvseTripped, $"{evse.Name} tripped off the grid: the voltage or frequency there is outside the limits the utility set.");
        }
        else if (evse.GridState == EvseGridState.EnteringService && grid.Energize != false && grid.Connect != false)
        {
            Add(ref reasons, ReasonCode.EvseEnteringService, $"{evse.Name} is waiting to feed the grid again after a stop, as the utility's enter-service settings ask.");
        }

        if (grid.Energize == false)
        {
            Add(ref reasons, ReasonCode.GridCeaseToEnergize, "The utility has asked chargers here to stop feeding the grid (cease to energize).");
        }

        if (grid.Connect == false)
        {
            Add(ref reasons, ReasonCode.GridDisconnected, $"The utility has disconnected {evse.Name} from the grid.");
        }

        if (grid.Energize != false && grid.Connect != false && grid.ExportCapKw(evse.RatedDischargeKw, evse.GridConditions) <= 0)
        {
            Add(ref reasons, ReasonCode.GridExportLimitZero, $"The utility currently allows no export from {evse.Name}{(grid.ExportLimitPercent is > 0 ? " at the grid's voltage and frequency there" : "")}.");
        }
    }

    private static EventOffer? HigherPriorityEvent(DecisionInput input)
    {
        EventOffer? winner = null;
        foreach (var other in input.CompetingEvents)
        {
            if (other.EventId == input.Event.EventId
                || !other.InForceAt(input.Now)
                || other.EnrollmentRank is null
                || !other.SiteEligible
                || other.ProgramStatus != ProgramStatus.Published)
            {
                continue;
            }

            if (EventPriority.Compare(other, input.Event) < 0 && (winner is null || EventPriority.Compare(other, winner) < 0))
            {
                winner = other;
            }
        }

        return winner;
    }
}
