using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The lease on the 2030.5 sessions, in the grid store: only the instance that holds it runs the portal's client
/// sessions (polls, posts responses and status), so a server sees each EVSE once, whatever the number of instances;
/// the rules reach the other instances over Redis. When its holder dies, another instance takes
/// it within <c>ScaleOut:LeaseSeconds</c> and starts the sessions from the rules last kept.
/// </summary>
public sealed class GridLease(IServiceScopeFactory scopes, PortalInstance instance, IConfiguration configuration, TimeProvider time, ILogger<GridLease> logger)
    : ScaleOut.HeldLease(Name, scopes, instance, configuration, time, logger)
{
    public const string Name = "grid";

    protected override DbContext Store(IServiceProvider services) => services.GetRequiredService<GridDbContext>();
}
