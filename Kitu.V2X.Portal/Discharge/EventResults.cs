using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// The one read model of what an event achieves: every page, the REST API and the mediator's chart take their
/// figures from here, so they cannot disagree.
/// </summary>
public static class EventResults
{
    /// <summary>The power the cars deliver now, kW (discharge positive): measured, of the commands acked or running; an ended command counts 0.</summary>
    public static double AchievedKw(IEnumerable<DischargeCommand> commands) =>
        Math.Round(commands.Where(c => c.State is CommandState.Acked or CommandState.Running).Sum(c => Math.Max(0, -(c.MeasuredKw ?? 0))), 2);

    /// <summary>The measured power of one command as shown: 0 once it has ended.</summary>
    public static double MeasuredKw(DischargeCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.IsTerminal ? 0 : -(command.MeasuredKw ?? 0);
    }
}
