using System.Collections.Concurrent;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Discharge;

/// <summary>
/// Carries what a transition asks of the link (<see cref="CommandChange.Effect"/>) through the command's transport:
/// sends, resends and renewals go out side by side and are awaited together at the end of the pass; a stop already
/// sent at once from the live view (a driver's stop, an operator's cancel) is not sent again.
/// </summary>
public sealed class CommandRelay(CommandLinks links, LiveCommands live)
{
    private readonly List<Task> outgoing = [];
    private readonly ConcurrentDictionary<Guid, byte> toldToStop = new();

    /// <summary>Queues the message a transition asks for.</summary>
    public void Carry(DischargeCommand command, CommandChange change, string? vehicleIdentifier)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(change);
        var transport = links.For(command.Executor);
        switch (change.Effect)
        {
            case CommandEffect.Send:
                live.Add(LiveCommand.Of(command, vehicleIdentifier)); // before the send: the answer may come back at once
                Queue(transport.SendAsync(command, vehicleIdentifier));
                break;
            case CommandEffect.Stop when !toldToStop.TryRemove(command.Id, out _):
                Queue(transport.StopAsync(LiveCommand.Of(command, vehicleIdentifier), change.Reasons.Count > 0 ? change.Reasons[0].Id : "portal.stopped"));
                break;
            default:
                break;
        }

        if (command.IsTerminal)
        {
            toldToStop.TryRemove(command.Id, out _);
            transport.Ended(command.Id);
        }
    }

    /// <summary>A stop sent straight to the executor from the live view, outside any pass; the pass that ends the command does not repeat it.</summary>
    public async Task StopNowAsync(LiveCommand command, string reasonId)
    {
        ArgumentNullException.ThrowIfNull(command);
        toldToStop[command.CommandId] = 0;
        await links.For(command.Executor).StopAsync(command, reasonId);
    }

    /// <summary>A stop for a command the portal does not run (an orphan).</summary>
    public void StopOrphan(ICommandTransport transport, ExecutingCommand orphan, string reasonId)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(orphan);
        var view = new LiveCommand(orphan.CommandId, Guid.Empty, Guid.Empty, orphan.LinkId, transport.Executor, orphan.LinkId, orphan.VehicleIdentifier, CommandState.Stopped, 0, null);
        Queue(transport.StopAsync(view, reasonId));
    }

    /// <summary>Waits for everything queued.</summary>
    public async Task FlushAsync()
    {
        Task[] sends;
        lock (outgoing)
        {
            sends = [.. outgoing];
            outgoing.Clear();
        }

        await Task.WhenAll(sends);
    }

    private void Queue(Task send)
    {
        lock (outgoing)
        {
            outgoing.Add(send);
        }
    }
}
