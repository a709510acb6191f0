using Microsoft.AspNetCore.SignalR;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// How the links log what they refuse. A call refused with a <see cref="HubException"/> (a message that failed its
/// checks) is the caller's mistake, not the portal's: one warning line, no stack trace, at most one per connection
/// every <see cref="Quiet"/> (the next says how many were not logged) — a flood of bad calls cannot flood the log.
/// Anything else a hub method throws is a bug and is logged as an error with its exception. (SignalR's own dispatcher,
/// which would log every refusal as an error with its stack, is silenced in the host's logging.)
/// </summary>
public sealed partial class HubCallLogging(ILogger<HubCallLogging> logger, TimeProvider time) : IHubFilter
{
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    private const string LastLogged = "kitu.rejected.last";
    private const string Unlogged = "kitu.rejected.unlogged";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        ArgumentNullException.ThrowIfNull(invocationContext);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(invocationContext);
        }
        catch (HubException ex)
        {
            Rejected(invocationContext.Context, invocationContext.HubMethodName, ex.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(ex, invocationContext.Hub.GetType().Name, invocationContext.HubMethodName);
            throw;
        }
    }

    private void Rejected(HubCallerContext context, string method, string why)
    {
        var now = time.GetUtcNow();
        var items = context.Items;
        lock (items)
        {
            if (items.TryGetValue(LastLogged, out var last) && last is DateTimeOffset at && now - at < Quiet)
            {
                items[Unlogged] = (items.TryGetValue(Unlogged, out var n) && n is int count ? count : 0) + 1;
                return;
            }

            var skipped = items.TryGetValue(Unlogged, out var s) && s is int c ? c : 0;
            items[LastLogged] = now;
            items[Unlogged] = 0;
            LogRejected(context.ConnectionId, method, why.Length > 200 ? why[..200] : why, skipped);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Link {ConnectionId}: {Method} refused: {Why} ({Skipped} more refusals on this link not logged)")]
    private partial void LogRejected(string connectionId, string method, string why, int skipped);

    [LoggerMessage(LogLevel.Error, "{Hub}.{Method} failed")]
    private partial void LogFailed(Exception ex, string hub, string method);
}
