namespace Kitu.V2X.Portal.Telemetry;

/// <summary>
/// This process among the portal's instances: <c>Instance:Id</c> when set (a pod or host name), else the machine's name
/// and the process id. Tags the metrics, and names the holder of a lease.
/// </summary>
public sealed class PortalInstance(IConfiguration configuration)
{
    public string Id { get; } = configuration["Instance:Id"] is { Length: > 0 } id ? id : $"{Environment.MachineName}-{Environment.ProcessId}";
}
