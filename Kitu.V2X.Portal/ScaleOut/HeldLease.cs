using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Telemetry;

namespace Kitu.V2X.Portal.ScaleOut;

/// <summary>
/// A lease this instance keeps trying to hold, for work exactly one instance may do at a time (the mediator's passes,
/// the 2030.5 sessions). Held for <c>ScaleOut:LeaseSeconds</c> (15 s), renewed every third of that; when its holder
/// dies, another instance takes it within that bound. One instance alone takes it at start and keeps it. A clean stop
/// gives it up at once.
/// </summary>
public abstract partial class HeldLease(string key, IServiceScopeFactory scopes, PortalInstance instance, IConfiguration configuration, TimeProvider time, ILogger logger)
    : BackgroundService
{
    /// <summary>The store whose <c>Leases</c> table holds this lease.</summary>
    protected abstract Microsoft.EntityFrameworkCore.DbContext Store(IServiceProvider services);

    /// <summary>The lease's key in the <c>Leases</c> table.</summary>
    public string Key { get; } = key;

    private readonly TimeSpan ttl = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("ScaleOut:LeaseSeconds", 15.0)));
    private readonly TaskCompletionSource firstTry = NewSignal();
    private volatile TaskCompletionSource held = NewSignal();
    private volatile bool isHeld;
    private DateTimeOffset heldUntil;

    /// <summary>This instance holds the lease now.</summary>
    public bool IsHeld => isHeld;

    /// <summary>The lease's fencing token while held.</summary>
    public long Token { get; private set; }

    /// <summary>Holding changed (taken or lost).</summary>
    public event Action<bool>? Changed;

    /// <summary>Completes once this instance holds the lease.</summary>
    public Task WhenHeld(CancellationToken ct) => held.Task.WaitAsync(ct);

    /// <summary>Completes once the lease was tried for the first time (at start): from then on <see cref="IsHeld"/> says.</summary>
    public Task FirstTry => firstTry.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var renewEvery = ttl / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            long? token;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                token = await LeaseStore.TryHoldAsync(Store(scope.ServiceProvider), Key, instance.Id, ttl, started, stoppingToken);
                if (token is not null)
                {
                    heldUntil = started + ttl;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException)
            {
                // The store is unreachable: the lease may expire under us; stop a renewal period before it could, not after.
                LogRenewFailed(Key, ex.GetBaseException().Message);
                token = isHeld && time.GetUtcNow() + renewEvery < heldUntil ? Token : null;
            }

            Set(token);
            firstTry.TrySetResult();
            try
            {
                await Task.Delay(renewEvery, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (isHeld)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await LeaseStore.ReleaseAsync(Store(scope.ServiceProvider), Key, instance.Id, time.GetUtcNow(), cancellationToken);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or OperationCanceledException)
            {
                LogReleaseFailed(Key, ex.GetBaseException().Message); // it expires by itself
            }

            Set(null);
        }
    }

    private void Set(long? token)
    {
        var now = token is not null;
        if (now)
        {
            Token = token!.Value;
        }

        if (now == isHeld)
        {
            return;
        }

        isHeld = now;
        if (now)
        {
            LogTaken(instance.Id, Key, Token);
            held.TrySetResult();
        }
        else
        {
            LogLost(instance.Id, Key);
            held = NewSignal();
        }

        Changed?.Invoke(now);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(LogLevel.Information, "Instance {Instance} now holds the {Lease} lease (token {Token})")]
    private partial void LogTaken(string instance, string lease, long token);

    [LoggerMessage(LogLevel.Warning, "Instance {Instance} no longer holds the {Lease} lease: its work there stops")]
    private partial void LogLost(string instance, string lease);

    [LoggerMessage(LogLevel.Warning, "Could not renew the {Lease} lease: {Reason}")]
    private partial void LogRenewFailed(string lease, string reason);

    [LoggerMessage(LogLevel.Debug, "Could not give up the {Lease} lease at stop ({Reason}); it expires by itself")]
    private partial void LogReleaseFailed(string lease, string reason);
}

/// <summary>
/// The lease on the mediator's work: only the instance that holds it runs mediator passes, so with several instances on
/// one database every event is planned and every command relayed by exactly one of them; when its holder dies, another
/// takes it, recovers the live commands from the outbox and goes on (command ids keep "never twice").
/// </summary>
public sealed class MediatorLease(IServiceScopeFactory scopes, PortalInstance instance, IConfiguration configuration, TimeProvider time, ILogger<MediatorLease> logger)
    : HeldLease(Name, scopes, instance, configuration, time, logger)
{
    public const string Name = "mediator";

    protected override Microsoft.EntityFrameworkCore.DbContext Store(IServiceProvider services) => services.GetRequiredService<PortalDbContext>();
}

/// <summary>
/// The lease on demo mode's simulation: only the instance that holds it runs the virtual chargers and the car maker's
/// simulated cloud, so several instances on one store do not each connect a set that takes the others' links.
/// </summary>
public sealed class SimulationLease(IServiceScopeFactory scopes, PortalInstance instance, IConfiguration configuration, TimeProvider time, ILogger<SimulationLease> logger)
    : HeldLease(Name, scopes, instance, configuration, time, logger)
{
    public const string Name = "simulation";

    private readonly bool enabled = configuration.GetValue("Simulation:Enabled", false);

    /// <summary>Tried for only where the simulation is on: a production portal never writes this lease.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => enabled ? base.ExecuteAsync(stoppingToken) : Task.CompletedTask;

    protected override Microsoft.EntityFrameworkCore.DbContext Store(IServiceProvider services) => services.GetRequiredService<PortalDbContext>();
}
