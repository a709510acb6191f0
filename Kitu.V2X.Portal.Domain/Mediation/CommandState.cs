using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>Where a discharge command stands. Terminal states never change again.</summary>
public enum CommandState
{
    /// <summary>Written to the outbox, not yet sent.</summary>
    Pending,

    /// <summary>Sent to the executor's link; waiting for its ack (resent with the same id on timeout).</summary>
    Sent,

    /// <summary>The executor accepted it.</summary>
    Acked,

    /// <summary>The executor reports discharging at the commanded power.</summary>
    Running,

    /// <summary>Ran to its end (event end, the planned end).</summary>
    Completed,

    /// <summary>The executor refused it, with its reason.</summary>
    Rejected,

    /// <summary>The executor acked but the measured power did not follow the command.</summary>
    NotFollowed,

    /// <summary>Stopped by the portal before its end (SoC floor, consent withdrawn, grid rules changed…).</summary>
    Stopped,

    /// <summary>The link was lost, the executor never answered, or it no longer ran it after a restart; it stops by itself at the fail-safe deadline.</summary>
    Interrupted,
}

/// <summary>What a transition asks of the link that carries the command.</summary>
public enum CommandEffect
{
    None,

    /// <summary>Send the command (again, with the same id): a first send, a resend, a renewal or a new power.</summary>
    Send,

    /// <summary>Tell the executor to stop it now, with the first reason's id.</summary>
    Stop,
}

/// <summary>
/// The outcome of one transition, as a value: whether the command changed, the audit line it deserves, the reasons,
/// and what the link must carry.
/// </summary>
public sealed record CommandChange(bool Changed, string? Outcome, IReadOnlyList<Reason> Reasons, CommandEffect Effect)
{
    public static CommandChange None { get; } = new(false, null, [], CommandEffect.None);

    /// <summary>The command changed, but nothing is worth an audit line or a message (a new measurement).</summary>
    public static CommandChange Quiet { get; } = new(true, null, [], CommandEffect.None);
}
