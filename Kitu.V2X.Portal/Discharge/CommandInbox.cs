using System.Collections.Concurrent;
using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>An executor's answer to a command, as a link hands it over: an ack, or a reject with its code.</summary>
public sealed record CommandAnswer(Guid CommandId, DateTimeOffset At, string? RejectCode)
{
    public bool IsAck => RejectCode is null;
}

/// <summary>
/// Where the links (the EVSE hub, the telematics hub, later OCPP) hand over what executors answer: each answer is
/// checked against the live view at once — a link may answer only for the commands it carries — and queued for the
/// next pass, which applies every answer that arrived meanwhile in one transaction. Until then a crash leaves the
/// command as it was, and the resend (same id) is answered again: the outbox's promise holds. The links never call
/// the mediator.
/// </summary>
public sealed class CommandInbox(LiveCommands live, TimeProvider time)
{
    private readonly ConcurrentQueue<CommandAnswer> answers = new();

    /// <summary>An answer arrived (the pacer takes it as a nudge).</summary>
    public event Action? Arrived;

    public bool IsEmpty => answers.IsEmpty;

    /// <summary>The executor behind <paramref name="linkId"/> acked; false when it carries no such command.</summary>
    public bool Ack(ProgramExecutor executor, Guid linkId, Guid commandId) => Take(executor, linkId, new CommandAnswer(commandId, time.GetUtcNow(), null));

    /// <summary>The executor behind <paramref name="linkId"/> refused with its code; false when it carries no such command.</summary>
    public bool Reject(ProgramExecutor executor, Guid linkId, Guid commandId, string code) =>
        Take(executor, linkId, new CommandAnswer(commandId, time.GetUtcNow(), string.IsNullOrWhiteSpace(code) ? "unknown" : code));

    /// <summary>A report arrived that the link keeps itself (a car's power and verdict): worth a pass soon.</summary>
    public void Reported() => Arrived?.Invoke();

    /// <summary>Every answer that arrived since the last call, oldest first.</summary>
    public List<CommandAnswer> Drain()
    {
        var drained = new List<CommandAnswer>();
        while (answers.TryDequeue(out var answer))
        {
            drained.Add(answer);
        }

        return drained;
    }

    /// <summary>
    /// Where an answer goes that this instance's live view does not know (the mediator runs on another instance): the
    /// link bridge passes it on when it relayed that command to that link, and says false otherwise. Unset: nowhere.
    /// </summary>
    public Func<ProgramExecutor, Guid, CommandAnswer, bool>? Elsewhere { get; set; }

    /// <summary>An answer a link on another instance received (the link bridge): taken as if it arrived here.</summary>
    public bool FromElsewhere(ProgramExecutor executor, Guid linkId, CommandAnswer answer) => Queue(executor, linkId, answer);

    private bool Take(ProgramExecutor executor, Guid linkId, CommandAnswer answer) =>
        Queue(executor, linkId, answer) || (Elsewhere?.Invoke(executor, linkId, answer) ?? false);

    private bool Queue(ProgramExecutor executor, Guid linkId, CommandAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (!live.CarriedBy(answer.CommandId, linkId, executor))
        {
            return false;
        }

        answers.Enqueue(answer);
        Arrived?.Invoke();
        return true;
    }
}
