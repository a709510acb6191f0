namespace Kitu.V2X.Portal.Domain.GridSecurity;

/// <summary>
/// The last good grid rules of one EVSE, kept so that a restarted portal can go on with them until its client reads
/// the server again — but never past their own validity, nor past the next event boundary they knew of (an event that
/// starts or ends there could change them).
/// </summary>
public sealed class GridRulesSnapshot
{
    public Guid EvseId { get; set; }

    /// <summary>The <see cref="GridRules"/> as JSON.</summary>
    public required string RulesJson { get; set; }

    public DateTimeOffset TakenAt { get; set; }

    /// <summary>Until when the rules may be used without a new read from the server.</summary>
    public DateTimeOffset RestorableUntil { get; set; }
}
