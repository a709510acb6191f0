using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

/// <summary>Commands brought to a state through their own transitions (there is no other way).</summary>
internal static class TestCommands
{
    public static DischargeCommand In(CommandState state, string? stopReason = null, DateTimeOffset? until = null, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        var command = DischargeCommand.Create(
            new CommandPlan(Guid.NewGuid(), Guid.NewGuid(), "Evening Peak", Guid.NewGuid(), Guid.NewGuid(), ProgramExecutor.Evse, null, 5, until ?? at.AddMinutes(30)),
            at,
            TimeSpan.FromMinutes(2));
        if (state == CommandState.Pending)
        {
            return command;
        }

        command.Send(at);
        if (state == CommandState.Sent)
        {
            return command;
        }

        if (state == CommandState.Rejected)
        {
            command.Reject(at, new Reason(ReasonCode.EvseBusy, stopReason ?? "The charger is busy."));
            return command;
        }

        command.Acknowledge(at);
        if (state == CommandState.Acked)
        {
            return command;
        }

        command.ObservePower(-5, at, FollowRules.Default);
        switch (state)
        {
            case CommandState.Running:
                return command;
            case CommandState.Stopped:
                command.Stop(at, [new Reason(ReasonCode.EvStoppedByDriver, stopReason ?? "You stopped discharging.")]);
                return command;
            case CommandState.Completed:
                command.Stop(at, [new Reason(ReasonCode.ProgramEventEnded, stopReason ?? "The discharge window ended.")]);
                return command;
            case CommandState.Interrupted:
                command.LoseLink(at);
                return command;
            default:
                throw new ArgumentOutOfRangeException(nameof(state), state, "No test path to that state.");
        }
    }
}
