using System.Collections.Concurrent;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// Moves each live command along in a pass, through its aggregate's transitions only: the first send; resends on an
/// overdue ack; a lost link past the grace time; what the executor measures (running, followed, the car's own
/// verdict); the same rules that decided, with the facts of now (a stop with every reason); the power following the
/// grid's functions up and down (a renewal at the new power); the fail-safe renewal; and after a restart, resuming the
/// commands their executors still run and ending the others.
/// </summary>
public sealed partial class CommandWatch(CommandLinks links, CommandRelay relay, IOptions<MediatorOptions> options, ILogger<CommandWatch> logger)
{
    private const double AdjustAtLeastKw = 0.1;

    private readonly MediatorOptions o = options.Value;
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> linkLostAt = new();
    private readonly ConcurrentDictionary<Guid, byte> recovering = new();

    private TimeSpan FailSafe => TimeSpan.FromSeconds(o.FailSafeSeconds);

    private FollowRules Rules => new(o.FollowToleranceKw, o.FollowTolerancePercent, TimeSpan.FromSeconds(o.FollowGraceSeconds), TimeSpan.FromSeconds(2));

    /// <summary>Commands that were live when the portal started: resumed or ended once their executors report.</summary>
    public void Recover(IEnumerable<Guid> commandIds)
    {
        foreach (var id in commandIds)
        {
            recovering[id] = 0;
        }
    }

    public int Recovering => recovering.Count;

    public void LinkLost(Guid linkId, DateTimeOffset at) => linkLostAt.TryAdd(linkId, at);

    public void LinkUp(Guid linkId) => linkLostAt.TryRemove(linkId, out _);

    /// <summary>Moves one command along; true when it changed.</summary>
    public bool Watch(PassContext pass, DischargeCommand command)
    {
        var now = pass.Now;
        var vehicle = pass.Facts.Vehicle(command.VehicleId)?.Identifier;
        var view = LiveCommand.Of(command, vehicle);
        var transport = links.For(command.Executor);
        if (!transport.IsUp(view.LinkId))
        {
            var lost = linkLostAt.GetOrAdd(view.LinkId, now);
            return now - lost >= LinkGrace(command, lost) && Apply(pass, command, command.LoseLink(now), vehicle);
        }

        if (recovering.ContainsKey(command.Id) && command.State is CommandState.Acked or CommandState.Running)
        {
            if (transport.Report(view) is not { } said)
            {
                return false; // reconnected but not reported yet: nothing to judge
            }

            recovering.TryRemove(command.Id, out _);
            var resumed = said.ExecutingCommandId == command.Id ? command.Resume(now, FailSafe) : command.NotResumed(now);
            LogRecovered(command.EvseId, command.Id, command.State);
            return Apply(pass, command, resumed, vehicle);
        }

        recovering.TryRemove(command.Id, out _);
        return command.State switch
        {
            CommandState.Pending => Apply(pass, command, command.Send(now), vehicle),
            CommandState.Sent => Apply(pass, command, command.AckOverdue(now, TimeSpan.FromSeconds(o.AckTimeoutSeconds), o.MaxAttempts), vehicle),
            CommandState.Acked or CommandState.Running => Follow(pass, command, view, transport, vehicle),
            _ => false,
        };
    }

    /// <summary>Applies an executor's answer taken by the inbox (a duplicate or late one changes nothing).</summary>
    public bool Answer(PassContext pass, DischargeCommand command, CommandAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var change = answer.IsAck
            ? command.Acknowledge(answer.At)
            : command.Reject(answer.At, ReasonCatalog.FromExecutor(answer.RejectCode, command.Executor == Domain.ConsumerSupport.ProgramExecutor.Ev, command.Executor == Domain.ConsumerSupport.ProgramExecutor.Ev ? "The car" : "The charger"));
        return Apply(pass, command, change, pass.Facts.Vehicle(command.VehicleId)?.Identifier);
    }

    private bool Follow(PassContext pass, DischargeCommand command, LiveCommand view, ICommandTransport transport, string? vehicle)
    {
        var now = pass.Now;
        if (transport.Report(view) is not { } said)
        {
            return false; // just (re)connected: judge nothing until the executor says what it is doing
        }

        var changed = Apply(pass, command, command.Executor == Domain.ConsumerSupport.ProgramExecutor.Ev
            ? command.CarReports(said.Following, said.Code, said.PowerKw, now, Rules)
            : command.ObservePower(said.PowerKw, now, Rules), vehicle);
        if (command.IsTerminal)
        {
            return changed;
        }

        // One look at the EVSE's link for the whole judgement: a link that drops, or comes back without its status yet,
        // between the checks above and these facts would read as "offline, no car, no charge" and stop a command that a
        // blip must not stop (its loss is judged next pass, with its grace).
        var link = pass.Facts.Link(command.EvseId);
        if (command.Executor == Domain.ConsumerSupport.ProgramExecutor.Evse && (link?.Status is null || Unjudged(link, vehicle)))
        {
            return changed;
        }

        var programEvent = pass.Facts.Event(command.EventId);
        var car = pass.Facts.Vehicle(command.VehicleId);
        if (programEvent is not null && car is not null && pass.Facts.Input(programEvent, car, command.EvseId, now, pass.Live, link) is { } input)
        {
            changed |= FollowGrid(pass, command, input, vehicle);
            var verdict = AgreementToDischarge.Monitor(new RunningCommand(command.Id, command.Kw, command.Until), input);
            if (!verdict.Continue)
            {
                LogStopped(command.EvseId, command.Id, verdict.Reasons[0].Id);
                return Apply(pass, command, command.Stop(now, verdict.Reasons), vehicle) | changed;
            }
        }

        return Apply(pass, command, command.RenewIfDue(now, FailSafe), vehicle) | changed;
    }

    /// <summary>
    /// The charger reports the command's car, but has not had it accepted yet (after a restart the registry starts
    /// empty and the claims are judged again, against the store): the car would read as not plugged in, and a command
    /// resumed a moment ago would stop. Its identity is judged first; a car refused there ends its command by power.
    /// </summary>
    private static bool Unjudged(Hubs.LiveEvse link, string? vehicle) =>
        vehicle is not null && link.AcceptedVehicleIdentifier is null && link.ClaimedVehicleIdentifier is null
        && string.Equals(link.ReportedVehicleIdentifier, vehicle, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The grid's functions set the power of a running command both ways: when the cap falls below it (a lower limit,
    /// volt-watt at a higher voltage) or rises again for a command they had held lower, the same command is renewed
    /// at the power the rules give now — within this pass.
    /// </summary>
    private bool FollowGrid(PassContext pass, DischargeCommand command, DecisionInput input, string? vehicle)
    {
        var target = AgreementToDischarge.Decide(input);
        if (!target.Accepted || Math.Abs(target.Kw - command.Kw) < AdjustAtLeastKw)
        {
            return false;
        }

        var gridNow = target.PowerLimitedBy == PowerLimit.Grid;
        var lower = target.Kw < command.Kw;
        if (!(lower ? gridNow : command.GridLimited))
        {
            return false; // another limit moved (a share of a total, the site's headroom): left to the next decision
        }

        var why = lower
            ? new Reason(ReasonCode.GridLimitLowered, $"The grid's rules at this charger now allow {Kw(target.Kw)}, below the {Kw(command.Kw)} being discharged: the power follows them down.")
            : new Reason(ReasonCode.GridLimitRaised, $"The grid's rules at this charger now allow {Kw(target.Kw)}: the power is raised from {Kw(command.Kw)}.");
        return Apply(pass, command, command.Renew(pass.Now, FailSafe, target.Kw, why, gridNow), vehicle);
    }

    /// <summary>
    /// How long a command waits for its link. A blip gets the grace time; a command live when the portal started waits
    /// until its fail-safe deadline — its executor may run it until then, and a fleet that lost the portal together
    /// reconnects with back-off and spread, over more than a blip's grace.
    /// </summary>
    private TimeSpan LinkGrace(DischargeCommand command, DateTimeOffset lost)
    {
        var grace = TimeSpan.FromSeconds(o.LinkGraceSeconds);
        return recovering.ContainsKey(command.Id) && command.FailSafeDeadline - lost > grace ? command.FailSafeDeadline - lost : grace;
    }

    private bool Apply(PassContext pass, DischargeCommand command, CommandChange change, string? vehicle)
    {
        if (!pass.Record(command, change))
        {
            return false;
        }

        relay.Carry(command, change, vehicle);
        return true;
    }

    private static string Kw(double kw) => kw.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " kW";

    [LoggerMessage(LogLevel.Debug, "EVSE {EvseId}: command {CommandId} stopped ({Reason})")]
    private partial void LogStopped(Guid evseId, Guid commandId, string reason);

    [LoggerMessage(LogLevel.Debug, "EVSE {EvseId}: command {CommandId} after the restart: {State}")]
    private partial void LogRecovered(Guid evseId, Guid commandId, CommandState state);
}
