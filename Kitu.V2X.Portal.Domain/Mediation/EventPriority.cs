using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>
/// Which event a vehicle follows when several claim it: a utility emergency program first (seed A.1.1), then the
/// driver's rank, then the earlier event (start, then creation), then the id so the order is total.
/// </summary>
public static class EventPriority
{
    public static int Compare(EventOffer a, EventOffer b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var byEmergency = b.IsUtilityEmergency.CompareTo(a.IsUtilityEmergency);
        if (byEmergency != 0)
        {
            return byEmergency;
        }

        var byRank = (a.EnrollmentRank ?? int.MaxValue).CompareTo(b.EnrollmentRank ?? int.MaxValue);
        if (byRank != 0)
        {
            return byRank;
        }

        var byStart = a.Start.CompareTo(b.Start);
        if (byStart != 0)
        {
            return byStart;
        }

        var byCreation = a.CreatedAt.CompareTo(b.CreatedAt);
        return byCreation != 0 ? byCreation : a.EventId.CompareTo(b.EventId);
    }

    /// <summary>Why <paramref name="winner"/> goes before <paramref name="loser"/>, in words.</summary>
    public static string Why(EventOffer winner, EventOffer loser)
    {
        ArgumentNullException.ThrowIfNull(winner);
        ArgumentNullException.ThrowIfNull(loser);
        if (winner.IsUtilityEmergency && !loser.IsUtilityEmergency)
        {
            return "it is a utility emergency program, which always goes first";
        }

        return (winner.EnrollmentRank ?? int.MaxValue) != (loser.EnrollmentRank ?? int.MaxValue)
            ? "you ranked it higher"
            : "its event started earlier";
    }

    /// <summary>Orders a driver's programs for display: utility emergency programs pinned first, then by rank.</summary>
    public static IEnumerable<(DischargeProgram Program, Enrollment Enrollment)> Rank(IEnumerable<(DischargeProgram Program, Enrollment Enrollment)> enrolled) =>
        enrolled.OrderByDescending(e => e.Program.IsEmergency && e.Program.OperatorKind == OperatorKind.Utility)
            .ThenBy(e => e.Enrollment.Rank)
            .ThenBy(e => e.Program.Name, StringComparer.OrdinalIgnoreCase);
}
