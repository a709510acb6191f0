using System.Collections.Concurrent;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The grid module's background worker: one 2030.5 client session per bound EVSE (each with its own device
/// certificate), run by a <see cref="GridSessionScheduler"/>; publishes the rules to <see cref="GridRulesFeed"/> and
/// records status changes in the grid store. Logs carry EVSE ids and server names only.
/// </summary>
public sealed partial class GridClientWorker : BackgroundService
{
    private readonly IServiceScopeFactory scopes;
    private readonly DeviceCertificateAuthority authority;
    private readonly GridRulesFeed feed;
    private readonly GridOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<GridClientWorker> logger;
    private readonly GridSessionScheduler scheduler;
    private readonly ConcurrentDictionary<Guid, (GridIntegration, string?)> recorded = new();

    public GridClientWorker(IServiceScopeFactory scopes, DeviceCertificateAuthority authority, GridRulesFeed feed, IOptions<GridOptions> options, TimeProvider time, ILogger<GridClientWorker> logger)
    {
        this.scopes = scopes;
        this.authority = authority;
        this.feed = feed;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        scheduler = new GridSessionScheduler(this.options.MaxConcurrentPolls, time, OnRules, (ex, evseId) => LogPollCrashed(ex, evseId));
    }

    public int SessionCount => scheduler.Count;

    /// <summary>Creates the 2030.5 client session of one binding: TLS with its certificate and the server's pinned anchor.</summary>
    public static DerClientSession CreateSession(GridBinding binding, ApprovedServer server, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, GridOptions options, TimeProvider time, out HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        var anchors = SepTls.ParseTrustAnchors(server.TrustAnchorPem);
        if (!Uri.TryCreate(server.DeviceCapabilityUrl, UriKind.Absolute, out var dcap) || dcap.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"{server.Name} has no valid https DeviceCapability URL.");
        }

        var tls = new SepTls(anchors, time);
        var timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);
        http = new HttpClient(tls.CreateHandler(certificate, timeout, TimeSpan.FromSeconds(options.IdleConnectionSeconds))) { Timeout = timeout };
        var device = new DeviceBinding(binding.EvseId, server.Name, binding.Identity, binding.RegistrationPin, binding.RatedChargeW, binding.RatedDischargeW);
        return new DerClientSession(device, new SepHttpClient(http, dcap, tls), new DerClientOptions { MinimumPollInterval = TimeSpan.FromSeconds(options.MinimumPollSeconds) }, time, new Random());
    }

    /// <summary>Starts (or restarts) the session of a binding to <paramref name="server"/>.</summary>
    public void Start(GridBinding binding, ApprovedServer server)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(server);
        scheduler.Remove(binding.EvseId);
        if (!server.Enabled)
        {
            OnRules(Failed(binding, server, $"{server.Name} is no longer an enabled approved server; choose another."));
            return;
        }

        try
        {
            var session = CreateSession(binding, server, authority.Open(binding.ProtectedCertificate), options, time, out var http);
            scheduler.Add(session, http);
            feed.Publish(session.Rules);
        }
        catch (ArgumentException ex)
        {
            OnRules(Failed(binding, server, ex.Message));
        }
    }

    public void Stop(Guid evseId)
    {
        scheduler.Remove(evseId);
        recorded.TryRemove(evseId, out _);
        feed.Remove(evseId);
    }

    /// <summary>Polls one EVSE's session now, re-reading every resource, and returns its rules (after binding).</summary>
    public async Task<GridRules> PollNowAsync(Guid evseId, CancellationToken cancellationToken) =>
        await scheduler.PollNowAsync(evseId, cancellationToken) ?? feed.Get(evseId);

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
        scheduler.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
            var servers = await db.ApprovedServers.AsNoTracking().ToDictionaryAsync(s => s.Id, stoppingToken);
            var bindings = await db.GridBindings.AsNoTracking().ToListAsync(stoppingToken);
            foreach (var binding in bindings)
            {
                Start(binding, servers[binding.ServerId]);
            }

            LogLoaded(bindings.Count);
        }

        await scheduler.RunAsync(stoppingToken);
    }

    private static GridRules Failed(GridBinding binding, ApprovedServer server, string detail) =>
        GridRules.NotIntegrated(binding.EvseId, GridIntegration.Failed, detail) with { ServerName = server.Name, Sfdi = binding.Sfdi };

    private void OnRules(GridRules rules)
    {
        feed.Publish(rules);
        var status = (rules.Integration, rules.IntegrationDetail);
        if (recorded.TryGetValue(rules.EvseId, out var last) && last == status)
        {
            return;
        }

        recorded[rules.EvseId] = status;
        LogStatus(rules.EvseId, rules.ServerName, rules.Integration, rules.IntegrationDetail);
        _ = RecordAsync(rules);
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
}
