namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>Where a discharge command stands. Terminal states never change again.</summary>
public enum CommandState
{
    /// <summary>Written to the outbox, not yet sent.</summary>
    Pending,

    /// <summary>Sent to the EVSE's live connection; waiting for its ack (resent with the same id on timeout).</summary>
    Sent,

    /// <summary>The EVSE accepted it.</summary>
    Acked,

    /// <summary>The EVSE reports discharging at the commanded power.</summary>
    Running,

    /// <summary>Ran to its end (event end, the planned end).</summary>
    Completed,

    /// <summary>The EVSE refused it, with its reason.</summary>
    Rejected,

    /// <summary>The EVSE acked but the measured power did not follow the command.</summary>
    NotFollowed,

    /// <summary>Stopped by the portal before its end (SoC floor, consent withdrawn, grid rules changed…).</summary>
    Stopped,

    /// <summary>The link to the EVSE was lost or it never answered; the EVSE stops by itself at the fail-safe deadline.</summary>
    Interrupted,
}

/// <summary>
/// A discharge command in the durable outbox: its id is the idempotency key the EVSE sees, so a resend after a
/// timeout, a reconnect or a restart never runs twice. One command per event and vehicle.
/// </summary>
public sealed class DischargeCommand
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid EventId { get; set; }

    public Guid ProgramId { get; set; }

    public required string ProgramName { get; set; }

    public Guid VehicleId { get; set; }

    public Guid EvseId { get; set; }

    /// <summary>Who executes it (seed A.2): the EVSE over its live link, or the EV over its maker's telematics link.</summary>
    public ConsumerSupport.ProgramExecutor Executor { get; set; }

    /// <summary>For an EV-executed command: the OEM (or telematics aggregator) whose link carries it.</summary>
    public Guid? TelematicsOperatorId { get; set; }

    public double Kw { get; set; }

    public DateTimeOffset Until { get; set; }

    /// <summary>The EVSE stops by itself at this instant unless the portal renews it (lost link ⇒ safe stop).</summary>
    public DateTimeOffset FailSafeDeadline { get; set; }

    public CommandState State { get; set; } = CommandState.Pending;

    /// <summary>The stable reason id (<c>ev.soc_at_floor</c>, or the EVSE's own code) for Rejected/Stopped/NotFollowed/Interrupted.</summary>
    public string? ReasonCode { get; set; }

    public string? ReasonText { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public DateTimeOffset? AckedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Last measured power at the EVSE, kW (negative = discharging).</summary>
    public double? MeasuredKw { get; set; }

    /// <summary>Since when the measured power has been off the command, for the not-followed check.</summary>
    public DateTimeOffset? OffTargetSince { get; set; }

    public bool IsTerminal => State is CommandState.Completed or CommandState.Rejected or CommandState.NotFollowed or CommandState.Stopped or CommandState.Interrupted;

    /// <summary>Sent, acked or running: the EVSE may be discharging for it.</summary>
    public bool IsLive => State is CommandState.Sent or CommandState.Acked or CommandState.Running;

    public void End(CommandState state, DateTimeOffset at, string? reasonCode = null, string? reasonText = null)
    {
        if (IsTerminal)
        {
            return;
        }

        State = state;
        EndedAt = at;
        ReasonCode = reasonCode;
        ReasonText = reasonText;
    }
}

/// <summary>What the mediator decided for one vehicle and one event; refusals are decided again later.</summary>
public sealed class EventDecision
{
    public Guid EventId { get; set; }

    public Guid VehicleId { get; set; }

    public Guid? EvseId { get; set; }

    public bool Accepted { get; set; }

    public List<Reason> Reasons { get; set; } = [];

    public DateTimeOffset DecidedAt { get; set; }

    /// <summary>When a refusal is looked at again (a charger may be bound, a car plugged in meanwhile).</summary>
    public DateTimeOffset? RetryAt { get; set; }
}

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
}
