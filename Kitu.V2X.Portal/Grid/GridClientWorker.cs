using System.Collections.Concurrent;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// Runs one 2030.5 client session per bound EVSE: polls each when it is due (at most
/// <see cref="GridOptions.MaxConcurrentPolls"/> at once), re-checks validity every second so stale rules are noticed
/// without a poll, publishes the rules to <see cref="GridRulesFeed"/> and records status changes in the grid store.
/// Logs carry EVSE ids and server names only.
/// </summary>
public sealed partial class GridClientWorker(
    IServiceScopeFactory scopes,
    DeviceCertificateAuthority authority,
    GridRulesFeed feed,
    IOptions<GridOptions> options,
    TimeProvider time,
    ILogger<GridClientWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Entry> sessions = new();
    private readonly SemaphoreSlim concurrency = new(Math.Max(1, options.Value.MaxConcurrentPolls));
    private readonly SemaphoreSlim wake = new(0);
    private readonly TaskCompletionSource loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int SessionCount => sessions.Count;

    /// <summary>Completes once the bindings in the store have sessions.</summary>
    public Task Loaded => loaded.Task;

    /// <summary>Starts (or restarts) the session of a binding to <paramref name="server"/>.</summary>
    public void Start(GridBinding binding, ApprovedServer server)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(server);
        Stop(binding.EvseId, publish: false);
        if (!server.Enabled)
        {
            feed.Publish(GridRules.NotIntegrated(binding.EvseId, GridIntegration.Failed, $"{server.Name} is no longer an enabled approved server; choose another.") with { ServerName = server.Name, Sfdi = binding.Sfdi });
            return;
        }

        Entry entry;
        try
        {
            entry = Create(binding, server);
        }
        catch (ArgumentException ex)
        {
            feed.Publish(GridRules.NotIntegrated(binding.EvseId, GridIntegration.Failed, ex.Message) with { ServerName = server.Name, Sfdi = binding.Sfdi });
            return;
        }

        sessions[binding.EvseId] = entry;
        feed.Publish(entry.Session.Rules);
        wake.Release();
    }

    public void Stop(Guid evseId, bool publish = true)
    {
        if (sessions.TryRemove(evseId, out var entry))
        {
            entry.Http.Dispose();
        }

        if (publish)
        {
            feed.Remove(evseId);
        }
    }

    /// <summary>Polls one EVSE's session now, re-reading every resource, and returns its rules (after binding; "check now").</summary>
    public async Task<GridRules> PollNowAsync(Guid evseId, CancellationToken cancellationToken)
    {
        if (!sessions.TryGetValue(evseId, out var entry))
        {
            return feed.Get(evseId);
        }

        await PollAsync(entry, cancellationToken, refreshAll: true);
        return entry.Session.Rules;
    }

    /// <summary>Restarts the sessions of every EVSE bound to a server whose settings changed.</summary>
    public async Task RestartServerAsync(Guid serverId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var server = await db.ApprovedServers.AsNoTracking().SingleAsync(s => s.Id == serverId, cancellationToken);
        foreach (var binding in await db.GridBindings.AsNoTracking().Where(b => b.ServerId == serverId).ToListAsync(cancellationToken))
        {
            Start(binding, server);
        }
    }

    public override void Dispose()
    {
        foreach (var entry in sessions.Values)
        {
            entry.Http.Dispose();
        }

        concurrency.Dispose();
        wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await LoadAsync(stoppingToken);
        }
        finally
        {
            loaded.TrySetResult();
        }

        var running = new ConcurrentDictionary<Guid, Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = now + TimeSpan.FromSeconds(1);
            foreach (var (evseId, entry) in sessions)
            {
                var before = entry.Session.Rules;
                var after = entry.Session.Evaluate(now);
                if (!ReferenceEquals(before, after))
                {
                    Published(entry, after);
                }

                if (entry.Session.NextPollAt <= now && !running.ContainsKey(evseId))
                {
                    running[evseId] = Task.Run(async () =>
                    {
                        try
                        {
                            await PollAsync(entry, stoppingToken);
                        }
                        finally
                        {
                            running.TryRemove(evseId, out _);
                        }
                    }, CancellationToken.None);
                }
                else if (entry.Session.NextPollAt < next)
                {
                    next = entry.Session.NextPollAt;
                }
            }

            var delay = next - time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await wake.WaitAsync(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await Task.WhenAll(running.Values);
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var servers = await db.ApprovedServers.AsNoTracking().ToDictionaryAsync(s => s.Id, cancellationToken);
        var bindings = await db.GridBindings.AsNoTracking().ToListAsync(cancellationToken);
        foreach (var binding in bindings)
        {
            Start(binding, servers[binding.ServerId]);
        }

        LogLoaded(bindings.Count);
    }

    private Entry Create(GridBinding binding, ApprovedServer server)
    {
        var anchors = SepTls.ParseTrustAnchors(server.TrustAnchorPem);
        if (!Uri.TryCreate(server.DeviceCapabilityUrl, UriKind.Absolute, out var dcap) || dcap.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"{server.Name} has no valid https DeviceCapability URL.");
        }

        var o = options.Value;
        var tls = new SepTls(anchors, time);
        var http = new HttpClient(tls.CreateHandler(authority.Open(binding.ProtectedCertificate), TimeSpan.FromSeconds(o.RequestTimeoutSeconds), TimeSpan.FromSeconds(o.IdleConnectionSeconds)))
        {
            Timeout = TimeSpan.FromSeconds(o.RequestTimeoutSeconds),
        };
        var device = new DeviceBinding(binding.EvseId, server.Name, binding.Identity, binding.RegistrationPin, binding.RatedChargeW, binding.RatedDischargeW);
        var session = new DerClientSession(device, new SepHttpClient(http, dcap, tls), new DerClientOptions { MinimumPollInterval = TimeSpan.FromSeconds(o.MinimumPollSeconds) }, time, new Random());
        return new Entry(session, http, new SemaphoreSlim(1));
    }

    private async Task PollAsync(Entry entry, CancellationToken cancellationToken, bool refreshAll = false)
    {
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            await concurrency.WaitAsync(cancellationToken);
            try
            {
                var rules = await entry.Session.PollAsync(cancellationToken, refreshAll);
                Published(entry, rules);
            }
            finally
            {
                concurrency.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug in a session must not take the others down; it is logged and retried at the next interval.
            LogPollCrashed(ex, entry.Session.EvseId);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private void Published(Entry entry, GridRules rules)
    {
        if (!sessions.TryGetValue(entry.Session.EvseId, out var current) || !ReferenceEquals(current, entry))
        {
            return; // unbound or restarted meanwhile
        }

        feed.Publish(rules);
        if (entry.LastRecorded != (rules.Integration, rules.IntegrationDetail))
        {
            entry.LastRecorded = (rules.Integration, rules.IntegrationDetail);
            LogStatus(rules.EvseId, rules.ServerName, rules.Integration, rules.IntegrationDetail);
            _ = RecordAsync(rules);
        }
    }

    private async Task RecordAsync(GridRules rules)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
            await db.GridBindings.Where(b => b.EvseId == rules.EvseId).ExecuteUpdateAsync(set => set
                .SetProperty(b => b.LastIntegration, rules.Integration)
                .SetProperty(b => b.LastDetail, rules.IntegrationDetail)
                .SetProperty(b => b.LastContact, rules.LastContact));
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or ObjectDisposedException)
        {
            LogRecordFailed(ex, rules.EvseId);
        }
    }

    [LoggerMessage(LogLevel.Information, "Grid client sessions started for {Count} bound EVSEs")]
    private partial void LogLoaded(int count);

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId} at {Server}: {Integration} {Detail}")]
    private partial void LogStatus(Guid evseId, string? server, GridIntegration integration, string? detail);

    [LoggerMessage(LogLevel.Error, "Grid client session of EVSE {EvseId} failed unexpectedly")]
    private partial void LogPollCrashed(Exception ex, Guid evseId);

    [LoggerMessage(LogLevel.Warning, "Could not record the grid status of EVSE {EvseId}")]
    private partial void LogRecordFailed(Exception ex, Guid evseId);

    private sealed class Entry(DerClientSession session, HttpClient http, SemaphoreSlim gate)
    {
        public DerClientSession Session { get; } = session;

        public HttpClient Http { get; } = http;

        public SemaphoreSlim Gate { get; } = gate;

        public (GridIntegration, string?) LastRecorded { get; set; }
    }
}
