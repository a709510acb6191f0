using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.Extensions.Time.Testing;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

/// <summary>Every transition of a discharge command, at exact instants on a fake clock.</summary>
public sealed class DischargeCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 15, 17, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FailSafe = TimeSpan.FromMinutes(2);
    private static readonly FollowRules Rules = new(0.5, 10, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(2));

    private readonly FakeTimeProvider clock = new(T0);

    private DateTimeOffset Now => clock.GetUtcNow();

    private DischargeCommand New(double kw = 5, ProgramExecutor executor = ProgramExecutor.Evse, TimeSpan? length = null) =>
        DischargeCommand.Create(new CommandPlan(Guid.NewGuid(), Guid.NewGuid(), "Evening Peak", Guid.NewGuid(), Guid.NewGuid(), executor, executor == ProgramExecutor.Ev ? Guid.NewGuid() : null, kw, T0 + (length ?? TimeSpan.FromMinutes(30))), Now, FailSafe);

    private DischargeCommand Running(double kw = 5)
    {
        var command = New(kw);
        command.Send(Now);
        command.Acknowledge(Now);
        command.ObservePower(-kw, Now, Rules);
        return command;
    }

    [Fact]
    public void A_new_command_is_pending_with_its_first_fail_safe_deadline()
    {
        var command = New();

        Assert.Equal(CommandState.Pending, command.State);
        Assert.Equal(T0 + FailSafe, command.FailSafeDeadline);
        Assert.Equal(1, command.Segment);
        Assert.Equal(T0 + TimeSpan.FromMinutes(1), New(length: TimeSpan.FromMinutes(1)).FailSafeDeadline); // never past its end
    }

    [Fact]
    public void A_command_needs_a_power_above_zero_and_an_end_after_now()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => New(kw: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => New(kw: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => New(length: TimeSpan.Zero));
    }

    [Fact]
    public void Send_takes_a_pending_command_out_and_a_resend_keeps_the_id()
    {
        var command = New();

        var first = command.Send(Now);
        clock.Advance(TimeSpan.FromSeconds(5));
        var again = command.AckOverdue(Now, TimeSpan.FromSeconds(5), 4);

        Assert.Equal((true, "sent", CommandEffect.Send), (first.Changed, first.Outcome, first.Effect));
        Assert.Equal(("resent (try 2)", CommandEffect.Send), (again.Outcome, again.Effect));
        Assert.Equal(CommandState.Sent, command.State);
        Assert.Equal(2, command.Attempts);
        Assert.Equal(Now, command.SentAt);
    }

    [Fact]
    public void An_ack_not_overdue_changes_nothing_and_after_the_last_try_the_command_is_interrupted()
    {
        var command = New();
        command.Send(Now);

        clock.Advance(TimeSpan.FromSeconds(4.999));
        Assert.False(command.AckOverdue(Now, TimeSpan.FromSeconds(5), 2).Changed);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        command.AckOverdue(Now, TimeSpan.FromSeconds(5), 2);
        clock.Advance(TimeSpan.FromSeconds(5));
        var gaveUp = command.AckOverdue(Now, TimeSpan.FromSeconds(5), 2);

        Assert.Equal(CommandState.Interrupted, command.State);
        Assert.Equal("evse.no_ack", command.ReasonCode);
        Assert.Equal(CommandEffect.None, gaveUp.Effect);
        Assert.True(command.MayRejoin);
    }

    [Fact]
    public void An_ack_is_taken_once_and_a_late_or_duplicate_ack_changes_nothing()
    {
        var command = New();
        command.Send(Now);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("acked", command.Acknowledge(Now).Outcome);
        Assert.Equal(CommandState.Acked, command.State);
        Assert.Equal(T0.AddSeconds(1), command.AckedAt);
        Assert.False(command.Acknowledge(Now).Changed);
        Assert.False(command.Send(Now).Changed); // an acked command is renewed, not resent
    }

    [Fact]
    public void A_reject_ends_the_command_with_the_executors_reason_and_nothing_after_it_changes_it()
    {
        var command = New();
        command.Send(Now);

        var rejected = command.Reject(Now, ReasonCatalog.FromExecutor("evse.owner_forbids", byCar: false, "The charger"));

        Assert.Equal(CommandState.Rejected, command.State);
        Assert.Equal("evse.owner_forbids", command.ReasonCode);
        Assert.Equal("rejected by the EVSE", rejected.Outcome);
        Assert.False(command.Acknowledge(Now).Changed);
        Assert.False(command.Reject(Now, rejected.Reasons[0]).Changed);
        Assert.False(command.Stop(Now, rejected.Reasons).Changed);
    }

    [Fact]
    public void An_unknown_reject_code_is_the_generic_reason_with_the_code_in_its_sentence()
    {
        var reason = ReasonCatalog.FromExecutor("vendor.thermal_derate", byCar: false, "The charger");

        Assert.Equal("evse.rejected", reason.Id);
        Assert.Contains("vendor.thermal_derate", reason.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Running_starts_at_half_the_commanded_power_and_energy_is_counted_while_it_runs()
    {
        var command = New(kw: 5);
        command.Send(Now);
        command.Acknowledge(Now);

        Assert.Equal(CommandState.Acked, (command.ObservePower(-2.4, Now, Rules), command.State).State);
        Assert.Equal("running at 5 kW", command.ObservePower(-5, Now, Rules).Outcome);
        clock.Advance(TimeSpan.FromMinutes(30));
        command.ObservePower(-5, Now, Rules);

        Assert.Equal(CommandState.Running, command.State);
        Assert.Equal(T0, command.StartedAt);
        Assert.Equal(2.5, command.DischargedKwh, 9);
    }

    [Fact]
    public void Power_off_the_command_for_the_grace_time_ends_it_as_not_followed_and_tells_the_charger_to_stop()
    {
        var command = Running(kw: 5);

        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.False(command.ObservePower(-4.6, Now, Rules).Outcome is not null); // within max(0.5 kW, 10 %)
        command.ObservePower(-3, Now, Rules);
        clock.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(CommandState.Running, (command.ObservePower(-3, Now, Rules), command.State).State);
        clock.Advance(TimeSpan.FromSeconds(1));
        var ended = command.ObservePower(-3, Now, Rules);

        Assert.Equal(CommandState.NotFollowed, command.State);
        Assert.Equal("evse.not_followed", command.ReasonCode);
        Assert.Equal(CommandEffect.Stop, ended.Effect);
        Assert.Equal(0, command.MeasuredKw); // an ended command measures 0 kW
    }

    [Fact]
    public void Back_on_the_command_before_the_grace_time_resets_the_not_followed_check()
    {
        var command = Running(kw: 5);
        clock.Advance(TimeSpan.FromSeconds(3));
        command.ObservePower(-3, Now, Rules);
        clock.Advance(TimeSpan.FromSeconds(10));
        command.ObservePower(-5, Now, Rules);
        clock.Advance(TimeSpan.FromSeconds(10));
        command.ObservePower(-3, Now, Rules);

        Assert.Equal(CommandState.Running, command.State);
        Assert.Equal(Now, command.OffTargetSince);
    }

    [Fact]
    public void A_car_that_says_its_command_is_not_followed_ends_it_with_its_reason()
    {
        var command = New(executor: ProgramExecutor.Ev);
        command.Send(Now);
        command.Acknowledge(Now);

        var ended = command.CarReports(false, "evse.not_grid_integrated", 0, Now, Rules);

        Assert.Equal(CommandState.NotFollowed, command.State);
        Assert.Equal("evse.not_grid_integrated", command.ReasonCode);
        Assert.Equal(("not followed (the car says)", CommandEffect.Stop), (ended.Outcome, ended.Effect));
    }

    [Fact]
    public void A_lost_link_interrupts_the_command_with_the_link_it_went_over()
    {
        var byCharger = Running();
        var byCar = New(executor: ProgramExecutor.Ev);
        byCar.Send(Now);

        byCharger.LoseLink(Now);
        byCar.LoseLink(Now);

        Assert.Equal((CommandState.Interrupted, "evse.link_lost"), (byCharger.State, byCharger.ReasonCode));
        Assert.Equal((CommandState.Interrupted, "ev.link_lost"), (byCar.State, byCar.ReasonCode));
        Assert.True(byCharger.MayRejoin);
    }

    [Fact]
    public void A_renewal_moves_the_fail_safe_deadline_on_and_is_sent_with_the_same_id()
    {
        var command = Running();
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(command.RenewIfDue(Now, FailSafe).Changed); // more than half the fail-safe time left
        clock.Advance(TimeSpan.FromSeconds(2));

        var renewed = command.RenewIfDue(Now, FailSafe);

        Assert.Equal(CommandEffect.Send, renewed.Effect);
        Assert.Null(renewed.Outcome); // routine: no audit line
        Assert.Equal(Now + FailSafe, command.FailSafeDeadline);
        Assert.Equal(Now, command.RenewedAt);
    }

    [Fact]
    public void A_renewal_at_a_new_power_is_audited_with_its_reason()
    {
        var command = Running(kw: 5);
        var why = new Reason(ReasonCode.GridLimitLowered, "The grid now allows 3 kW.");

        var lowered = command.Renew(Now, FailSafe, 3, why, gridLimited: true);

        Assert.Equal(("power 5 kW → 3 kW", CommandEffect.Send), (lowered.Outcome, lowered.Effect));
        Assert.Equal([why], lowered.Reasons);
        Assert.Equal(3, command.Kw);
        Assert.True(command.GridLimited);
        Assert.False(command.Renew(Now, FailSafe, 3).Changed); // the same power and deadline again: nothing
    }

    [Fact]
    public void Only_an_acked_or_running_command_is_renewed()
    {
        var command = New();
        Assert.False(command.Renew(Now, FailSafe, 3).Changed);
        command.Send(Now);
        Assert.False(command.Renew(Now, FailSafe, 3).Changed);
    }

    [Fact]
    public void After_a_restart_a_command_its_executor_still_runs_is_resumed_and_counts_no_energy_across_the_gap()
    {
        var command = Running(kw: 5);
        clock.Advance(TimeSpan.FromMinutes(1));

        var resumed = command.Resume(Now, FailSafe);
        clock.Advance(TimeSpan.FromMinutes(6));
        command.ObservePower(-5, Now, Rules);

        Assert.Equal(("resumed after a restart", CommandEffect.Send), (resumed.Outcome, resumed.Effect));
        Assert.Equal(CommandState.Running, command.State);
        Assert.Equal(T0.AddMinutes(1) + FailSafe, command.FailSafeDeadline);
        Assert.Equal(0, command.DischargedKwh);
    }

    [Fact]
    public void After_a_restart_a_command_its_executor_no_longer_runs_ends_for_a_reason_that_clears()
    {
        var command = Running();

        command.NotResumed(Now);

        Assert.Equal((CommandState.Interrupted, "evse.not_running_after_restart"), (command.State, command.ReasonCode));
        Assert.True(command.MayRejoin);
    }

    [Fact]
    public void A_stop_at_the_end_of_the_window_completes_for_good_and_any_other_stops_for_a_reason_that_may_clear()
    {
        var completed = Running();
        var stopped = Running();
        var byDriver = Running();

        var done = completed.Stop(Now, [new Reason(ReasonCode.ProgramEventEnded, "The window ended.")]);
        var floor = stopped.Stop(Now, [new Reason(ReasonCode.EvSocAtFloor, "At the floor."), new Reason(ReasonCode.EvNoConsent, "No consent.")]);
        byDriver.Stop(Now, [new Reason(ReasonCode.EvStoppedByDriver, "You stopped discharging.")]);

        Assert.Equal((CommandState.Completed, "completed", CommandEffect.Stop), (completed.State, done.Outcome, done.Effect));
        Assert.False(completed.MayRejoin);
        Assert.Equal((CommandState.Stopped, "ev.soc_at_floor", "At the floor. No consent."), (stopped.State, stopped.ReasonCode, stopped.ReasonText));
        Assert.Equal(CommandEffect.Stop, floor.Effect);
        Assert.True(stopped.MayRejoin);
        Assert.False(byDriver.MayRejoin); // until the driver resumes (the planner's decision record says so)
        Assert.Throws<ArgumentException>(() => Running().Stop(Now, []));
    }

    [Fact]
    public void A_pending_command_stopped_before_it_went_out_is_not_sent_a_stop()
    {
        var command = New();

        var stopped = command.Stop(Now, [new Reason(ReasonCode.EvNoConsent, "No consent.")]);

        Assert.Equal(CommandEffect.None, stopped.Effect);
        Assert.Equal(CommandState.Stopped, command.State);
    }

    [Fact]
    public void Every_reason_a_command_ends_with_is_in_the_catalogue_with_a_sentence()
    {
        var ends = new List<DischargeCommand>();
        var c1 = New(); c1.Send(Now); clock.Advance(TimeSpan.FromSeconds(5)); c1.AckOverdue(Now, TimeSpan.FromSeconds(5), 1); ends.Add(c1);
        var c2 = Running(); c2.LoseLink(Now); ends.Add(c2);
        var c3 = Running(); c3.NotResumed(Now); ends.Add(c3);
        var c4 = Running(); clock.Advance(TimeSpan.FromSeconds(3)); c4.ObservePower(0, Now, Rules); clock.Advance(TimeSpan.FromSeconds(15)); c4.ObservePower(0, Now, Rules); ends.Add(c4);
        var c5 = New(); c5.Send(Now); c5.Reject(Now, ReasonCatalog.FromExecutor("evse.busy", false, "The charger")); ends.Add(c5);
        var c6 = New(executor: ProgramExecutor.Ev); c6.Send(Now); c6.Acknowledge(Now); c6.CarReports(false, "something.else", 0, Now, Rules); ends.Add(c6);

        Assert.All(ends, c =>
        {
            Assert.True(c.IsTerminal, c.State.ToString());
            Assert.NotNull(ReasonCatalog.WithId(c.ReasonCode));
            Assert.False(string.IsNullOrWhiteSpace(c.ReasonText));
        });
    }
}
