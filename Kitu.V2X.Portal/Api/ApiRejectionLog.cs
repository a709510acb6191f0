using System.Collections.Concurrent;
using System.Security.Claims;

namespace Kitu.V2X.Portal.Api;

/// <summary>
/// The operator API's refusals (4xx: a bad body, a wrong key, over the rate limit) in the log: one warning line each,
/// no body and no stack, at most one per key — or client address, without a key — every 10 s; the next says how many
/// were not logged. A caller hammering the API with bad requests cannot flood the log.
/// </summary>
public sealed partial class ApiRejectionLog(ILogger<ApiRejectionLog> logger, TimeProvider time)
{
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Last, int Unlogged)> callers = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await next(context);
        var status = context.Response.StatusCode;
        if (status is < 400 or >= 500 || !context.Request.Path.StartsWithSegments(OperatorApi.Prefix))
        {
            return;
        }

        var caller = context.User.FindFirstValue(ApiKeyAuthentication.KeyClaim) is { } key ? $"key {key}" : $"address {context.Connection.RemoteIpAddress}";
        var now = time.GetUtcNow();
        if (callers.Count > 50_000)
        {
            callers.Clear(); // bounded: a flood from many addresses forgets, it does not grow
        }

        var log = false;
        var skipped = 0;
        callers.AddOrUpdate(
            caller,
            _ =>
            {
                log = true;
                return (now, 0);
            },
            (_, old) =>
            {
                if (now - old.Last < Quiet)
                {
                    log = false;
                    return (old.Last, old.Unlogged + 1);
                }

                (log, skipped) = (true, old.Unlogged);
                return (now, 0);
            });
        if (log)
        {
            LogRefused(context.Request.Method, context.Request.Path.Value ?? "", status, caller, skipped);
        }
    }

    [LoggerMessage(LogLevel.Warning, "API {Method} {Path} refused with {Status} for {Caller} ({Skipped} more refusals for it not logged)")]
    private partial void LogRefused(string method, string path, int status, string caller, int skipped);
}
