using System.Globalization;
using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>
/// A discharge command — the durable outbox row and the aggregate that guards its life. Its id is the idempotency key
/// the executor sees: a resend after a timeout, a reconnect or a restart never runs twice, and a repeated id with a
/// later deadline (or a new power) is a renewal, never a restart. State changes only through the transitions below,
/// each returning a <see cref="CommandChange"/> with an audit line and every reason from the catalogue. One car may
/// take part in one event in several segments (a command each) when a stop for a reason that clears is followed by
/// a new agreement.
/// </summary>
public sealed class DischargeCommand
{
    private DischargeCommand()
    {
    }

    public Guid Id { get; private set; } = Guid.NewGuid();

    public Guid EventId { get; private set; }

    public Guid ProgramId { get; private set; }

    public string ProgramName { get; private set; } = "";

    public Guid VehicleId { get; private set; }

    public Guid EvseId { get; private set; }

    /// <summary>The car's part in its event: 1 for the first command, then 2, 3… after stops for reasons that cleared.</summary>
    public int Segment { get; private set; } = 1;

    /// <summary>Who executes it (seed A.2): the EVSE over its live link, or the EV over its maker's telematics link.</summary>
    public ProgramExecutor Executor { get; private set; }

    /// <summary>For an EV-executed command: the OEM (or telematics aggregator) whose link carries it.</summary>
    public Guid? TelematicsOperatorId { get; private set; }

    /// <summary>The commanded power, kW (a renewal may change it when a grid limit moves).</summary>
    public double Kw { get; private set; }

    /// <summary>The grid's functions set the power (it follows them up and down while it runs).</summary>
    public bool GridLimited { get; private set; }

    public DateTimeOffset Until { get; private set; }

    /// <summary>The executor stops by itself at this instant unless the portal renews it (lost link ⇒ safe stop).</summary>
    public DateTimeOffset FailSafeDeadline { get; private set; }

    public CommandState State { get; private set; } = CommandState.Pending;

    /// <summary>The stable reason id of the end (<c>ev.soc_at_floor</c>, <c>evse.link_lost</c>…), always in the catalogue.</summary>
    public string? ReasonCode { get; private set; }

    public string? ReasonText { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? SentAt { get; private set; }

    public DateTimeOffset? AckedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? RenewedAt { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    public int Attempts { get; private set; }

    /// <summary>Last measured power at the executor, kW (negative = discharging); 0 once the command has ended.</summary>
    public double? MeasuredKw { get; private set; }

    public DateTimeOffset? MeasuredAt { get; private set; }

    /// <summary>Energy discharged for this command, kWh, from the measured power over time.</summary>
    public double DischargedKwh { get; private set; }

    /// <summary>Since when the measured power has been off the command, for the not-followed check.</summary>
    public DateTimeOffset? OffTargetSince { get; private set; }

    public bool IsTerminal => State is CommandState.Completed or CommandState.Rejected or CommandState.NotFollowed or CommandState.Stopped or CommandState.Interrupted;

    /// <summary>Sent, acked or running: the executor may be discharging for it.</summary>
    public bool IsLive => State is CommandState.Sent or CommandState.Acked or CommandState.Running;

    /// <summary>The reason it ended, from the catalogue.</summary>
    public ReasonCatalog.Entry? EndReason => ReasonCatalog.WithId(ReasonCode);

    /// <summary>It ended for a reason that can clear while its event is in force: the car may take part again (a new segment).</summary>
    public bool MayRejoin => IsTerminal && State != CommandState.Completed && EndReason is { Clears: true };

    private bool ByCar => Executor == ProgramExecutor.Ev;

    private string Who => ByCar ? "The car" : "The charger";

    /// <summary>A new command in the outbox, with its first fail-safe deadline.</summary>
    public static DischargeCommand Create(CommandPlan plan, DateTimeOffset now, TimeSpan failSafe)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!(plan.Kw > 0) || !double.IsFinite(plan.Kw))
        {
            throw new ArgumentOutOfRangeException(nameof(plan), "A command discharges at a finite power above 0 kW.");
        }

        if (plan.Until <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(plan), "A command ends after it is created.");
        }

        return new DischargeCommand
        {
            EventId = plan.EventId,
            ProgramId = plan.ProgramId,
            ProgramName = plan.ProgramName,
            VehicleId = plan.VehicleId,
            EvseId = plan.EvseId,
            Executor = plan.Executor,
            TelematicsOperatorId = plan.TelematicsOperatorId,
            Segment = plan.Segment,
            Kw = Math.Round(plan.Kw, 3), // watts are the finest a charger takes
            GridLimited = plan.GridLimited,
            Until = plan.Until,
            FailSafeDeadline = Earliest(plan.Until, now + failSafe),
            CreatedAt = now,
        };
    }

    /// <summary>The first send (Pending → Sent), or a resend with the same id while no ack came (Sent → Sent).</summary>
    public CommandChange Send(DateTimeOffset now)
    {
        switch (State)
        {
            case CommandState.Pending:
                State = CommandState.Sent;
                SentAt = now;
                Attempts = 1;
                return new CommandChange(true, ByCar ? "sent to the car over its maker's link" : "sent", [], CommandEffect.Send);
            case CommandState.Sent:
                SentAt = now;
                Attempts++;
                return new CommandChange(true, $"resent (try {Attempts})", [], CommandEffect.Send);
            default:
                return CommandChange.None;
        }
    }

    /// <summary>No ack within <paramref name="timeout"/>: resend with the same id, or after <paramref name="maxAttempts"/> give up (interrupted).</summary>
    public CommandChange AckOverdue(DateTimeOffset now, TimeSpan timeout, int maxAttempts)
    {
        if (State != CommandState.Sent || now - SentAt < timeout)
        {
            return CommandChange.None;
        }

        if (Attempts < maxAttempts)
        {
            return Send(now);
        }

        var reason = new Reason(ByCar ? Mediation.ReasonCode.EvNoAck : Mediation.ReasonCode.EvseNoAck, $"{Who} did not acknowledge the command after {Attempts} tries.");
        return End(CommandState.Interrupted, now, [reason], "interrupted: no ack", CommandEffect.None);
    }

    /// <summary>The executor took it (Pending or Sent → Acked); a duplicate or late ack changes nothing.</summary>
    public CommandChange Acknowledge(DateTimeOffset now)
    {
        if (State is not (CommandState.Pending or CommandState.Sent))
        {
            return CommandChange.None;
        }

        State = CommandState.Acked;
        AckedAt = now;
        OffTargetSince = null;
        return new CommandChange(true, "acked", [], CommandEffect.None);
    }

    /// <summary>The executor refused it with its reason (any live state → Rejected).</summary>
    public CommandChange Reject(DateTimeOffset now, Reason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return IsTerminal ? CommandChange.None : End(CommandState.Rejected, now, [reason], ByCar ? "rejected by the EV" : "rejected by the EVSE", CommandEffect.None);
    }

    /// <summary>
    /// A measurement of the power the executor delivers for this command (negative = discharging): Acked → Running at
    /// half the commanded power or more; energy is counted while running; off the command for longer than the grace
    /// time ends it as not followed.
    /// </summary>
    public CommandChange ObservePower(double measuredKw, DateTimeOffset now, FollowRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (State is not (CommandState.Acked or CommandState.Running) || !double.IsFinite(measuredKw))
        {
            return CommandChange.None;
        }

        if (State == CommandState.Running && MeasuredAt is { } previous && now > previous)
        {
            DischargedKwh += Math.Max(0, -(MeasuredKw ?? 0)) * (now - previous).TotalHours;
        }

        var changed = MeasuredKw != measuredKw;
        MeasuredKw = measuredKw;
        MeasuredAt = now;
        CommandChange result = changed ? CommandChange.Quiet : CommandChange.None;
        if (State == CommandState.Acked && -measuredKw >= Kw * 0.5)
        {
            State = CommandState.Running;
            StartedAt = now;
            result = new CommandChange(true, $"running at {Text(-measuredKw)}", [], CommandEffect.None);
        }

        var tolerance = Math.Max(rules.ToleranceKw, Kw * rules.TolerancePercent / 100);
        var settledFor = now - (RenewedAt is { } renewed && renewed > (AckedAt ?? renewed) ? renewed : AckedAt ?? now);
        if (Math.Abs(-measuredKw - Kw) > tolerance && settledFor > rules.Settle)
        {
            OffTargetSince ??= now;
            if (now - OffTargetSince >= rules.Grace)
            {
                var reason = new Reason(ByCar ? Mediation.ReasonCode.EvNotFollowed : Mediation.ReasonCode.EvseNotFollowed, $"{Who} reported {Text(-measuredKw)} where {Text(Kw)} was commanded.");
                return End(CommandState.NotFollowed, now, [reason], "not followed", CommandEffect.Stop);
            }

            return result.Changed ? result : CommandChange.Quiet;
        }

        if (OffTargetSince is not null)
        {
            OffTargetSince = null;
            return result.Changed ? result : CommandChange.Quiet;
        }

        return result;
    }

    /// <summary>An EV-executed command: the car says whether it is followed (seed A.2.2); "not followed" ends it with the car's reason.</summary>
    public CommandChange CarReports(bool following, string? code, double measuredKw, DateTimeOffset now, FollowRules rules)
    {
        if (following || IsTerminal)
        {
            return ObservePower(measuredKw, now, rules);
        }

        var reason = ReasonCatalog.WithId(code) is { } known ? new Reason(known.Code, known.Meaning) : new Reason(Mediation.ReasonCode.EvNotFollowed, $"The car reports the command is not followed ({code ?? "no reason given"}).");
        return End(CommandState.NotFollowed, now, [reason], "not followed (the car says)", CommandEffect.Stop);
    }

    /// <summary>The link that carries it is gone for longer than the grace time (→ Interrupted); the executor stops at the fail-safe deadline.</summary>
    public CommandChange LoseLink(DateTimeOffset now)
    {
        if (IsTerminal)
        {
            return CommandChange.None;
        }

        var reason = new Reason(
            ByCar ? Mediation.ReasonCode.EvLinkLost : Mediation.ReasonCode.EvseLinkLost,
            $"The link to the {(ByCar ? "car's maker" : "charger")} was lost; it stops by itself by {FailSafeDeadline.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC.");
        return End(CommandState.Interrupted, now, [reason], "interrupted: link lost", CommandEffect.None);
    }

    /// <summary>
    /// A renewal with the same id (Acked or Running): a later fail-safe deadline and, when a limit moved, a new power.
    /// Never a restart; the executor acks it again.
    /// </summary>
    public CommandChange Renew(DateTimeOffset now, TimeSpan failSafe, double? kw = null, Reason? why = null, bool? gridLimited = null)
    {
        if (State is not (CommandState.Acked or CommandState.Running))
        {
            return CommandChange.None;
        }

        var deadline = Earliest(Until, now + failSafe);
        var newKw = kw is { } k && double.IsFinite(k) && k > 0 && Math.Abs(Math.Round(k, 3) - Kw) > 1e-9 ? Math.Round(k, 3) : (double?)null;
        if (deadline <= FailSafeDeadline && newKw is null)
        {
            return CommandChange.None;
        }

        FailSafeDeadline = deadline > FailSafeDeadline ? deadline : FailSafeDeadline;
        RenewedAt = now;
        GridLimited = gridLimited ?? GridLimited;
        if (newKw is { } changedKw)
        {
            var from = Kw;
            Kw = changedKw;
            OffTargetSince = null;
            return new CommandChange(true, $"power {Text(from)} → {Text(changedKw)}", why is null ? [] : [why], CommandEffect.Send);
        }

        return new CommandChange(true, null, [], CommandEffect.Send); // a routine renewal: no audit line
    }

    /// <summary>Renews the fail-safe deadline when half of it is gone and the command runs on.</summary>
    public CommandChange RenewIfDue(DateTimeOffset now, TimeSpan failSafe) =>
        FailSafeDeadline < Until && FailSafeDeadline - now < failSafe / 2 ? Renew(now, failSafe) : CommandChange.None;

    /// <summary>
    /// After the portal restarted, the executor still runs it: resumed with the same id and a new deadline (the
    /// executor treats it as a renewal), the follow check starting afresh.
    /// </summary>
    public CommandChange Resume(DateTimeOffset now, TimeSpan failSafe)
    {
        if (State is not (CommandState.Acked or CommandState.Running))
        {
            return CommandChange.None;
        }

        FailSafeDeadline = Earliest(Until, now + failSafe);
        RenewedAt = now;
        OffTargetSince = null;
        MeasuredAt = null; // no energy is counted across the gap
        return new CommandChange(true, "resumed after a restart", [], CommandEffect.Send);
    }

    /// <summary>After the portal restarted, the executor no longer runs it (→ Interrupted, a reason that clears: the car is decided again).</summary>
    public CommandChange NotResumed(DateTimeOffset now)
    {
        if (IsTerminal)
        {
            return CommandChange.None;
        }

        var reason = new Reason(Mediation.ReasonCode.EvseNotRunningAfterRestart, $"After the portal restarted, {Who.ToLowerInvariant()} no longer ran this command.");
        return End(CommandState.Interrupted, now, [reason], "interrupted: not running after a restart", CommandEffect.None);
    }

    /// <summary>
    /// The portal stops it for these reasons (any non-terminal state): Completed when the only reason is the end of the
    /// event's window, else Stopped. The executor is told to stop, unless it was never sent.
    /// </summary>
    public CommandChange Stop(DateTimeOffset now, IReadOnlyList<Reason> reasons)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        if (IsTerminal)
        {
            return CommandChange.None;
        }

        if (reasons.Count == 0)
        {
            throw new ArgumentException("A stop names its reasons.", nameof(reasons));
        }

        var completed = reasons.All(r => r.Code == Mediation.ReasonCode.ProgramEventEnded);
        var wasSent = State != CommandState.Pending;
        return End(completed ? CommandState.Completed : CommandState.Stopped, now, reasons, completed ? "completed" : "stopped", wasSent ? CommandEffect.Stop : CommandEffect.None);
    }

    private CommandChange End(CommandState state, DateTimeOffset now, IReadOnlyList<Reason> reasons, string outcome, CommandEffect effect)
    {
        if (State == CommandState.Running && MeasuredAt is { } previous && now > previous)
        {
            DischargedKwh += Math.Max(0, -(MeasuredKw ?? 0)) * (now - previous).TotalHours;
        }

        State = state;
        EndedAt = now;
        ReasonCode = reasons[0].Id;
        ReasonText = string.Join(" ", reasons.Select(r => r.Text));
        MeasuredKw = 0;
        MeasuredAt = now;
        OffTargetSince = null;
        return new CommandChange(true, outcome, reasons, effect);
    }

    private static DateTimeOffset Earliest(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string Text(double kw) => kw.ToString("0.##", CultureInfo.InvariantCulture) + " kW";
}
