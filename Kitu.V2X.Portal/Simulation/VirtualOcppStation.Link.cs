using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Ocpp;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>The virtual station's OCPP-J link: connect with its credentials, stay connected with a charger's back-off, one call at a time, answer the portal's calls.</summary>
public sealed partial class VirtualOcppStation
{
    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol(subprotocol);
        ws.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{stationId}:{password}")));
        ws.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        timeout.CancelAfter(ConnectTimeout.Charger);
        await ws.ConnectAsync(endpoint, timeout.Token);
        socket = ws;
        _ = Task.Run(() => ReceiveAsync(ws), CancellationToken.None);
    }

    /// <summary>Reconnects whenever the link drops, with a charger's back-off; a reconnect is not a reboot.</summary>
    private async Task StayConnectedAsync()
    {
        var attempt = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stopping.Token);
                if (socket is { State: WebSocketState.Open })
                {
                    attempt = 0;
                    continue;
                }

                var wait = ReconnectBackOff.Charger.NextRetryDelay(new Microsoft.AspNetCore.SignalR.Client.RetryContext { PreviousRetryCount = attempt++ }) ?? TimeSpan.FromSeconds(30);
                await Task.Delay(wait, time, stopping.Token);
                await ConnectAsync(stopping.Token);
                await ReportConnectorAsync();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
            {
                // The portal is not there yet: try again.
            }
        }
    }

    private async Task CallAsync(string action, JsonObject payload)
    {
        var ws = socket;
        if (ws is not { State: WebSocketState.Open })
        {
            return;
        }

        var id = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = answer;
        await calling.WaitAsync(stopping.Token); // one call at a time, as OCPP-J asks
        try
        {
            await SendAsync(ws, OcppFrames.Call(id, action, payload));
            await answer.Task.WaitAsync(TimeSpan.FromSeconds(30), time, stopping.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or TimeoutException or OperationCanceledException)
        {
            // No answer: the link is going; the next report tries again.
        }
        finally
        {
            pending.TryRemove(id, out _);
            calling.Release();
        }
    }

    private async Task SendAsync(ClientWebSocket ws, byte[] frame)
    {
        await writing.WaitAsync(stopping.Token); // a call and an answer may go out at once: one frame at a time
        try
        {
            await ws.SendAsync(frame, WebSocketMessageType.Text, true, stopping.Token);
        }
        finally
        {
            writing.Release();
        }
    }

    private async Task ReceiveAsync(ClientWebSocket ws)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (ws.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await ws.ReceiveAsync(buffer.AsMemory(length), stopping.Token);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var (frame, _) = OcppFrames.Parse(buffer.AsMemory(0, length));
                if (frame is null)
                {
                    continue;
                }

                switch (frame.Type)
                {
                    case OcppMessageType.CallResult:
                        if (pending.TryGetValue(frame.MessageId, out var waiting))
                        {
                            waiting.TrySetResult(frame.Payload);
                        }

                        break;
                    case OcppMessageType.CallError:
                        if (pending.TryGetValue(frame.MessageId, out var failed))
                        {
                            failed.TrySetResult(default);
                        }

                        break;
                    case OcppMessageType.Call:
                        byte[] reply;
                        try
                        {
                            reply = OcppFrames.Result(frame.MessageId, Handle(frame.Action!, frame.Payload));
                        }
                        catch (OcppCallError error)
                        {
                            reply = OcppFrames.Error(frame.MessageId, error.Code, error.Message);
                        }

                        await SendAsync(ws, reply);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The link dropped: StayConnectedAsync brings it back.
        }
    }
}
