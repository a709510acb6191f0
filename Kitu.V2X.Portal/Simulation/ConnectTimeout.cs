using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections.Client;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// A charger gives a connect attempt a few seconds, then tries again with its back-off. Without that, an attempt whose
/// TCP handshake goes unanswered (sent while the portal was going down, or to a queue that overflowed) waits out TCP's
/// own SYN retries — about 15 s — before the next one.
/// </summary>
public static class ConnectTimeout
{
    public static readonly TimeSpan Charger = TimeSpan.FromSeconds(5);

    /// <summary>A WebSocket factory for the SignalR client: the options' headers and WebSocket settings, and the timeout.</summary>
    public static Func<WebSocketConnectionContext, CancellationToken, ValueTask<WebSocket>> Factory(TimeSpan timeout) => async (context, cancellationToken) =>
    {
        var socket = new ClientWebSocket();
        try
        {
            foreach (var (name, value) in context.Options.Headers)
            {
                socket.Options.SetRequestHeader(name, value);
            }

            context.Options.WebSocketConfiguration?.Invoke(socket.Options);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(context.Uri, deadline.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
