using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>One line of the audit trail: every decision and every command transition.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public Guid? EvseId { get; set; }

    public Guid? VehicleId { get; set; }

    public Guid? ProgramId { get; set; }

    public Guid? EventId { get; set; }

    public Guid? CommandId { get; set; }

    /// <summary>The site a switch or policy change concerns (owner audit).</summary>
    public Guid? SiteId { get; set; }

    /// <summary>The account that made a change (its id; removed with the account's identity).</summary>
    public string? ActorId { get; set; }

    /// <summary>Short outcome: "accepted 5 kW until 18:30", "refused", "acked", "running", "stopped"…</summary>
    public required string Outcome { get; set; }

    public List<Reason> Reasons { get; set; } = [];

    /// <summary>The audit line of a command's transition.</summary>
    public static AuditEntry Of(DischargeCommand command, DateTimeOffset at, string outcome, IReadOnlyList<Reason> reasons)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new AuditEntry
        {
            At = at,
            EvseId = command.EvseId,
            VehicleId = command.VehicleId,
            ProgramId = command.ProgramId,
            EventId = command.EventId,
            CommandId = command.Id,
            Outcome = outcome,
            Reasons = [.. reasons],
        };
    }
}
