using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>A CALLERROR to answer a station's call with (OCPP-J §4.3 codes).</summary>
public sealed class OcppCallError(string code, string description) : Exception(description)
{
    public string Code { get; } = code;
}

/// <summary>The station answered the portal's call with a CALLERROR, a non-conforming result, or not in time.</summary>
public sealed class OcppCallFailed(string action, string code, string description) : Exception($"{action}: {code} {description}")
{
    public string Action { get; } = action;

    public string Code { get; } = code;
}

/// <summary>
/// One OCPP-J WebSocket: reads frames (at most <see cref="OcppOptions.MaxFrameBytes"/>, text only, at most
/// <see cref="OcppOptions.CallsPerSecond"/> frames a second on average), checks every payload in and out against the official schemas,
/// answers the station's calls one at a time through a handler, and makes the portal's calls one at a time (OCPP-J
/// allows one outstanding CALL per direction). A bad call gets its CALLERROR and the link goes on; a frame too big or a
/// flood closes the link. A call id seen again gets the answer it got before, and is not handled twice.
/// </summary>
public sealed partial class OcppSession(WebSocket socket, OcppVersion version, OcppSchemas schemas, OcppOptions options, TimeProvider time, ILogger logger)
{
    private const int RepliesKept = 8;
    private readonly SemaphoreSlim writing = new(1, 1);
    private readonly SemaphoreSlim calling = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> pending = new();
    private readonly Queue<string> replyOrder = new();
    private readonly Dictionary<string, byte[]> replies = new(StringComparer.Ordinal);
    private double tokens = options.CallBurst;
    private long lastRefill = time.GetTimestamp();

    public OcppVersion Version { get; } = version;

    /// <summary>The gateway's settings this link runs under.</summary>
    public OcppOptions Options => options;

    /// <summary>Cancelled when the link closes, however it closes.</summary>
    public CancellationToken Closed => closed.Token;

    private readonly CancellationTokenSource closed = new();

    /// <summary>Reads until the link closes; every CALL (and 2.1 SEND) of the station goes to <paramref name="handle"/>.</summary>
    public async Task RunAsync(Func<string, JsonElement, Task<JsonObject>> handle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handle);
        try
        {
            while (socket.State == WebSocketState.Open && !cancellationToken.IsCancellationRequested)
            {
                // An idle link holds no buffer: wait for data with a zero-byte read, then rent one for the frame.
                var (buffer, length, kind) = await ReadFrameAsync(cancellationToken);
                try
                {
                    if (kind == WebSocketMessageType.Close)
                    {
                        await CloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
                        return;
                    }

                    if (length < 0)
                    {
                        await CloseAsync(WebSocketCloseStatus.MessageTooBig, $"A frame is at most {options.MaxFrameBytes} bytes.");
                        return;
                    }

                    if (kind != WebSocketMessageType.Text)
                    {
                        await CloseAsync(WebSocketCloseStatus.InvalidMessageType, "OCPP-J frames are text.");
                        return;
                    }

                    await TakeAsync(buffer.AsMemory(0, length), handle, cancellationToken);
                }
                finally
                {
                    if (buffer.Length > 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The station went away or the portal is stopping.
        }
        finally
        {
            await closed.CancelAsync();
            foreach (var call in pending.Values)
            {
                call.TrySetException(new OcppCallFailed("(link)", "GenericError", "The link closed."));
            }
        }
    }

    /// <summary>
    /// Makes a call on the station and returns its conforming result. Throws <see cref="OcppCallFailed"/> for a
    /// CALLERROR, a result that does not conform to its schema, a timeout or a closed link.
    /// </summary>
    public async Task<JsonElement> CallAsync(string action, JsonObject payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        using var element = JsonDocument.Parse(payload.ToJsonString());
        if (schemas.Check(Version, action, element.RootElement, response: false) is { } own)
        {
            throw new InvalidOperationException($"The portal built a {action} that does not conform: {own.Description}");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closed.Token);
        await calling.WaitAsync(linked.Token);
        var id = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = answer;
        try
        {
            await SendAsync(OcppFrames.Call(id, action, payload));
            var result = await answer.Task.WaitAsync(options.ResponseTimeout, time, linked.Token);
            if (schemas.Check(Version, action, result, response: true) is { } bad)
            {
                throw new OcppCallFailed(action, bad.ErrorCode, bad.Description);
            }

            return result;
        }
        catch (TimeoutException)
        {
            throw new OcppCallFailed(action, "Timeout", $"No answer within {options.ResponseTimeout.TotalSeconds:0} s.");
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
            throw new OcppCallFailed(action, "GenericError", "The link closed.");
        }
        finally
        {
            pending.TryRemove(id, out _);
            calling.Release();
        }
    }

    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(status, description.Length <= 120 ? description : description[..120], timeout.Token);

                // Read what the station still sends (the rest of an oversized frame) until its close, so that it reads
                // the close frame and its code before the connection goes, rather than a reset.
                var scratch = new byte[4096];
                while (socket.State == WebSocketState.CloseSent && (await socket.ReceiveAsync(scratch, timeout.Token)).MessageType != WebSocketMessageType.Close)
                {
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone already.
        }
        finally
        {
            await closed.CancelAsync();
            socket.Abort();
        }
    }

    private async Task TakeAsync(ReadOnlyMemory<byte> utf8, Func<string, JsonElement, Task<JsonObject>> handle, CancellationToken cancellationToken)
    {
        if (!Spend())
        {
            LogFlood(options.CallsPerSecond);
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, "Too many frames.");
            return;
        }

        var (frame, error) = OcppFrames.Parse(utf8);
        if (error is not null)
        {
            LogBadFrame(error.ErrorCode, error.Description);
            await SendAsync(OcppFrames.Error(error.MessageId ?? "-1", error.ErrorCode, error.Description));
            return;
        }

        switch (frame!.Type)
        {
            case OcppMessageType.CallResult:
                if (pending.TryGetValue(frame.MessageId, out var waiting))
                {
                    waiting.TrySetResult(frame.Payload);
                }

                return;
            case OcppMessageType.CallError or OcppMessageType.CallResultError:
                if (pending.TryGetValue(frame.MessageId, out var failed))
                {
                    failed.TrySetException(new OcppCallFailed("(call)", frame.ErrorCode ?? "GenericError", frame.ErrorDescription ?? ""));
                }

                return;
        }

        if (replies.TryGetValue(frame.MessageId, out var earlier))
        {
            await SendAsync(earlier); // the same id again: its answer again, never handled twice
            return;
        }

        var reply = await AnswerAsync(frame, handle, cancellationToken);
        if (frame.Type == OcppMessageType.Send)
        {
            return; // 2.1's SEND is never answered
        }

        Remember(frame.MessageId, reply);
        await SendAsync(reply);
    }

    private async Task<byte[]> AnswerAsync(OcppFrame frame, Func<string, JsonElement, Task<JsonObject>> handle, CancellationToken cancellationToken)
    {
        var action = frame.Action!;
        if (!schemas.Knows(Version, action))
        {
            return OcppFrames.Error(frame.MessageId, "NotImplemented", $"{action} is not an OCPP {OcppSchemas.Name(Version)} action.");
        }

        if (schemas.Check(Version, action, frame.Payload, response: false) is { } violation)
        {
            LogBadFrame(violation.ErrorCode, violation.Description);
            return OcppFrames.Error(frame.MessageId, violation.ErrorCode, violation.Description);
        }

        try
        {
            var result = await handle(action, frame.Payload);
            using var check = JsonDocument.Parse(result.ToJsonString());
            if (schemas.Check(Version, action, check.RootElement, response: true) is { } own)
            {
                LogOwnResponseInvalid(action, own.Description);
                return OcppFrames.Error(frame.MessageId, "InternalError", "The portal could not answer this call.");
            }

            return OcppFrames.Result(frame.MessageId, result);
        }
        catch (OcppCallError refused)
        {
            return OcppFrames.Error(frame.MessageId, refused.Code, refused.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailed(ex, action);
            return OcppFrames.Error(frame.MessageId, "InternalError", "The portal could not handle this call.");
        }
    }

    private void Remember(string messageId, byte[] reply)
    {
        replies[messageId] = reply;
        replyOrder.Enqueue(messageId);
        if (replyOrder.Count > RepliesKept)
        {
            replies.Remove(replyOrder.Dequeue());
        }
    }

    /// <summary>A token bucket: <see cref="OcppOptions.CallBurst"/> at once, refilled at <see cref="OcppOptions.CallsPerSecond"/>.</summary>
    private bool Spend()
    {
        var now = time.GetTimestamp();
        tokens = Math.Min(options.CallBurst, tokens + (time.GetElapsedTime(lastRefill, now).TotalSeconds * options.CallsPerSecond));
        lastRefill = now;
        if (tokens < 1)
        {
            return false;
        }

        tokens--;
        return true;
    }

    /// <summary>
    /// One whole message in a rented buffer (4 KiB, grown by doubling up to <see cref="OcppOptions.MaxFrameBytes"/>): the
    /// buffer (to return), its length — −1 when the message is bigger than allowed — and its kind.
    /// </summary>
    private async Task<(byte[] Buffer, int Length, WebSocketMessageType Kind)> ReadFrameAsync(CancellationToken cancellationToken)
    {
        var waited = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
        if (waited.MessageType == WebSocketMessageType.Close)
        {
            return ([], 0, WebSocketMessageType.Close);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(4096, options.MaxFrameBytes + 1));
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > options.MaxFrameBytes)
                {
                    return (buffer, -1, WebSocketMessageType.Text);
                }

                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, options.MaxFrameBytes + 1));
                buffer.AsSpan(0, length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (buffer, 0, WebSocketMessageType.Close);
            }

            length += result.Count;
            if (length > options.MaxFrameBytes)
            {
                return (buffer, -1, result.MessageType);
            }

            if (result.EndOfMessage)
            {
                return (buffer, length, result.MessageType);
            }
        }
    }

    private async Task SendAsync(byte[] frame)
    {
        await writing.WaitAsync(closed.Token);
        try
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, closed.Token);
        }
        finally
        {
            writing.Release();
        }
    }

    [LoggerMessage(LogLevel.Information, "OCPP frame refused: {Code} {Description}")]
    private partial void LogBadFrame(string code, string description);

    [LoggerMessage(LogLevel.Warning, "OCPP station flooded the link (more than {PerSecond} calls per second on average): closed")]
    private partial void LogFlood(double perSecond);

    [LoggerMessage(LogLevel.Error, "The portal's own answer to {Action} does not conform to its schema: {Description}")]
    private partial void LogOwnResponseInvalid(string action, string description);

    [LoggerMessage(LogLevel.Error, "Handling {Action} failed")]
    private partial void LogHandlerFailed(Exception ex, string action);
}
