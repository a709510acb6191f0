using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Kitu.V2X.Portal.Extensions;

/// <summary>
/// Kestrel's connection limits from the process's file-descriptor limit, so that a portal full of EVSE links refuses
/// the next connection (closed at once; the charger retries elsewhere through the load balancer) instead of running
/// out of descriptors — when the database, Redis, the 2030.5 client's TLS sessions and its own files would fail too.
/// Settings win: <c>Kestrel:Limits:MaxConcurrentConnections</c> and <c>Kestrel:Limits:MaxConcurrentUpgradedConnections</c>.
/// </summary>
internal static class ConnectionLimits
{
    /// <summary>
    /// The limits for a process allowed <paramref name="descriptors"/> open files: a twentieth (at least 256) kept back,
    /// half of it for the process's own files and outgoing connections, half for connections not upgraded (pages, the
    /// API, handshakes not yet done); the rest for upgraded ones (EVSE links: SignalR and OCPP WebSockets). For 20,000:
    /// 19,000 links and 500 others. Null when the limit is not known or too small to share.
    /// </summary>
    public static (long Upgraded, long Plain)? For(long? descriptors)
    {
        if (descriptors is not (>= 1_024 and < long.MaxValue / 2) || descriptors is not { } n)
        {
            return null;
        }

        var kept = Math.Max(256, n / 20);
        return (n - kept, kept / 2);
    }

    /// <summary>The soft limit on open files of this process (Linux: <c>/proc/self/limits</c>); null elsewhere or when unlimited.</summary>
    public static long? DescriptorLimit()
    {
        const string path = "/proc/self/limits";
        if (!OperatingSystem.IsLinux() || !File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            }
        }

        return null;
    }

    /// <summary>Sets the limits the settings leave open.</summary>
    public static void Apply(KestrelServerLimits limits, IConfiguration configuration, long? descriptors)
    {
        if (For(descriptors) is not { } computed)
        {
            return;
        }

        if (configuration["Kestrel:Limits:MaxConcurrentUpgradedConnections"] is null)
        {
            limits.MaxConcurrentUpgradedConnections = computed.Upgraded;
        }

        if (configuration["Kestrel:Limits:MaxConcurrentConnections"] is null)
        {
            limits.MaxConcurrentConnections = computed.Plain;
        }
    }
}
