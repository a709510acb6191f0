using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>
/// What the mediator decided for one vehicle and one event, and how the car takes part: refusals are decided again
/// later; a car its driver stopped stays out of the event until the driver resumes it.
/// </summary>
public sealed class EventDecision
{
    public Guid EventId { get; set; }

    public Guid VehicleId { get; set; }

    public Guid? EvseId { get; set; }

    public bool Accepted { get; set; }

    public List<Reason> Reasons { get; set; } = [];

    public DateTimeOffset DecidedAt { get; set; }

    /// <summary>When a refusal is looked at again without a fact changing (a charger may be bound, a car plugged in meanwhile).</summary>
    public DateTimeOffset? RetryAt { get; set; }

    /// <summary>The driver pressed "stop now" during this event: no new command for it until the driver resumes.</summary>
    public DateTimeOffset? StoppedByDriverAt { get; set; }

    /// <summary>The car's part in the event ended for a reason that does not clear (the event ended for it, the car cannot discharge).</summary>
    public bool Final { get; set; }
}
