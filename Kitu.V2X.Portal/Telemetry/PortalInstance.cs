namespace Kitu.V2X.Portal.Telemetry;

/// <summary>
/// This process among the portal's instances: <c>Instance:Id</c> when set (a pod or host name); else, with several
/// instances (Redis configured), the machine's name and the process id; else — one instance — the machine's name, so
/// that a portal restarted after a crash takes its leases back at once instead of waiting for them to expire. Tags the
/// metrics, and names the holder of a lease.
/// </summary>
public sealed class PortalInstance(IConfiguration configuration)
{
    public string Id { get; } = configuration["Instance:Id"] is { Length: > 0 } id ? id
        : string.IsNullOrWhiteSpace(configuration["Redis:Configuration"]) ? Environment.MachineName
        : $"{Environment.MachineName}-{Environment.ProcessId}";
}
