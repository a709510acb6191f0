using System.Collections.Concurrent;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// The grid module's background worker: one 2030.5 client session per bound EVSE (each with its own device
/// certificate), run by a <see cref="GridSessionScheduler"/>; publishes the rules to <see cref="GridRulesFeed"/> and
/// records status changes in the grid store. Logs carry EVSE ids and server names only.
/// <para>
/// With several instances only the holder of the <see cref="GridLease"/> runs the sessions; it tells the others the
/// rules over the <see cref="GridRelay"/>, and they pass it what they hear (bindings changed on their pages, the status
/// of EVSEs whose links they hold, polls asked for). When the holder goes, another takes the lease and starts the
/// sessions from the rules last kept. Partial: GridClientWorker.Instances.cs.
/// </para>
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
    private readonly GridResponseJournal journal;
    private readonly GridLease lease;
    private readonly GridRelay relay;
    private readonly ConcurrentDictionary<Guid, (GridIntegration, string?)> recorded = new();
    private readonly ConcurrentDictionary<Guid, byte> changedSinceSnapshot = new();
    private volatile bool loaded;

    public GridClientWorker(IServiceScopeFactory scopes, DeviceCertificateAuthority authority, GridRulesFeed feed, GridResponseJournal journal, GridLease lease, GridRelay relay, IOptions<GridOptions> options, TimeProvider time, ILogger<GridClientWorker> logger)
    {
        this.lease = lease;
        this.relay = relay;
        this.scopes = scopes;
        this.authority = authority;
        this.feed = feed;
        this.journal = journal;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
        scheduler = new GridSessionScheduler(this.options.MaxConcurrentPolls, time, OnRules, (ex, evseId) => LogPollCrashed(ex, evseId));
        Residents = new EvseResidentClients(OnRules, this.options, time);
        ListenToOtherInstances();
    }

    public int SessionCount => scheduler.Count;

    /// <summary>EVSEs bound with their own 2030.5 client: no session here, the rules they report.</summary>
    public EvseResidentClients Residents { get; }

    /// <summary>Creates the 2030.5 client session of one binding: TLS with its certificate and the server's pinned anchor.</summary>
    public static DerClientSession CreateSession(GridBinding binding, ApprovedServer server, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, GridOptions options, TimeProvider time, out HttpClient http, IDerResponseJournal? journal = null) =>
        CreateSession(binding, server, () => certificate, options, time, out http, journal);

    /// <summary>The same, the device certificate opened on the session's first request and sent with its intermediates.</summary>
    public static DerClientSession CreateSession(GridBinding binding, ApprovedServer server, Func<System.Security.Cryptography.X509Certificates.X509Certificate2> certificate, GridOptions options, TimeProvider time, out HttpClient http, IDerResponseJournal? journal = null, System.Security.Cryptography.X509Certificates.X509Certificate2Collection? chain = null)
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
        var idle = TimeSpan.FromSeconds(options.IdleConnectionSeconds);
        http = new HttpClient(new DeferredCertificateHandler(certificate, c => tls.CreateHandler(c, timeout, idle, chain))) { Timeout = Timeout.InfiniteTimeSpan };
        var client = new SepHttpClient(http, dcap, tls, requestTimeout: timeout); // one deadline for headers and body
        return new DerClientSession(Device(binding, server), client, new DerClientOptions { MinimumPollInterval = TimeSpan.FromSeconds(options.MinimumPollSeconds) }, time, new Random(), journal);
    }

    /// <summary>What the client session knows of a binding.</summary>
    public static DeviceBinding Device(GridBinding binding, ApprovedServer server)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(server);
        return new DeviceBinding(binding.EvseId, server.Name, binding.Identity, binding.RegistrationPin, binding.RatedChargeW, binding.RatedDischargeW)
        {
            ServerId = server.Id,
            ModesSupported = binding.ModesSupported,
            NominalVoltageV = binding.NominalVoltageV,
            GradientPercentPerSecond = binding.GradientPercentPerSecond,
        };
    }

    /// <summary>The EVSE's operating state (from its live link), for the DERStatus and DERAvailability its session posts.</summary>
    public void Report(Guid evseId, DerDeviceStatus status)
    {
        if (RunsSessions)
        {
            scheduler.Session(evseId)?.Report(status);
        }
        else
        {
            RelayStatus(evseId, status);
        }
    }

    /// <summary>What an EVSE's own 2030.5 client read (from its live link): checked, and taken; null when taken, else why not.</summary>
    public string? ResidentReport(Guid evseId, ResidentReport report)
    {
        var refusal = Residents.Report(evseId, report);
        if (refusal is null && !RunsSessions)
        {
            relay.Resident(evseId, report); // the holder's rules are everyone's
        }

        return refusal;
    }

    /// <summary>
    /// The EVSE told what it applies (its hello): the functions, its nominal voltage and its ramp rate. Stored with the
    /// binding and sent to the server again (DERCapability, DERSettings) when they changed.
    /// </summary>
    public async Task UpdateCapabilitiesAsync(Guid evseId, DerControlModes modes, double? nominalVoltageV, double? gradientPercentPerSecond, CancellationToken cancellationToken)
    {
        if (scheduler.Session(evseId)?.Binding is { } known && known.ModesSupported == modes && known.NominalVoltageV == nominalVoltageV
            && (gradientPercentPerSecond is null || known.GradientPercentPerSecond == gradientPercentPerSecond))
        {
            return; // as it said before (a reconnect): nothing to store or send
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var binding = await db.GridBindings.SingleOrDefaultAsync(b => b.EvseId == evseId, cancellationToken);
        if (binding is null)
        {
            return;
        }

        var gradient = gradientPercentPerSecond ?? binding.GradientPercentPerSecond;
        if (binding.ModesSupported == modes && binding.NominalVoltageV == nominalVoltageV && binding.GradientPercentPerSecond == gradient)
        {
            return;
        }

        binding.ModesSupported = modes;
        binding.NominalVoltageV = nominalVoltageV;
        binding.GradientPercentPerSecond = gradient;
        await db.SaveChangesAsync(cancellationToken);
        if (!RunsSessions)
        {
            relay.Capabilities(evseId); // the holder's session sends them
            return;
        }

        var server = await db.ApprovedServers.AsNoTracking().SingleAsync(s => s.Id == binding.ServerId, cancellationToken);
        scheduler.Session(evseId)?.Update(Device(binding, server));
    }

    /// <summary>
    /// Starts (or restarts) the session of a binding to <paramref name="server"/> with the EVSE's identity, here or — on
    /// an instance that does not run the sessions — on the one that does. An EVSE bound with its own client gets no
    /// session: it is told the server.
    /// </summary>
    public void Start(GridBinding binding, ApprovedServer server, DeviceCredential? credential)
    {
        Apply(binding, server, credential);
        relay.Binding(binding.EvseId); // every other instance reads it again
    }

    /// <summary>Starts (or restarts) the binding here: its session if this instance runs them (after a restart, with the rules it had), its own client's server.</summary>
    private void Apply(GridBinding binding, ApprovedServer server, DeviceCredential? credential, GridRulesSnapshot? snapshot = null)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(server);
        scheduler.Remove(binding.EvseId);
        var restored = snapshot is null ? null : System.Text.Json.JsonSerializer.Deserialize<GridRules>(snapshot.RulesJson, SnapshotJson);
        if (!server.Enabled)
        {
            Residents.Stop(binding.EvseId);
            OnRules(Failed(binding, server, $"{server.Name} is no longer an enabled approved server; choose another."));
            return;
        }

        if (binding.ClientLocation == GridClientLocation.Evse)
        {
            Residents.Start(binding, server, restored);
            return;
        }

        Residents.Stop(binding.EvseId);
        if (!RunsSessions)
        {
            return; // the holder of the grid lease runs it; its rules come over the relay
        }

        if (credential is not { HoldsKey: true } || !DeviceIdentity.SameLfdi(credential.Lfdi, binding.Lfdi))
        {
            OnRules(Failed(binding, server, "the portal holds no device certificate for this charger; open its 2030.5 identity and choose one, then bind again."));
            return;
        }

        try
        {
            var chain = credential.ChainPem is { Length: > 0 } pem ? SepTls.ParseTrustAnchors(pem) : null;
            var session = CreateSession(binding, server, () => authority.Open(credential.ProtectedCertificate!), options, time, out var http, journal.For(binding.EvseId), chain);
            if (restored is not null)
            {
                session.Restore(restored, snapshot!.RestorableUntil);
            }

            scheduler.Add(session, http);
            Publish(session.Rules);
        }
        catch (ArgumentException ex)
        {
            OnRules(Failed(binding, server, ex.Message));
        }
    }

    /// <summary>The EVSE was unbound: its session stops, here and wherever it runs.</summary>
    public void Stop(Guid evseId)
    {
        StopHere(evseId);
        relay.Binding(evseId);
    }

    private void StopHere(Guid evseId)
    {
        scheduler.Remove(evseId);
        Residents.Stop(evseId);
        recorded.TryRemove(evseId, out _);
        feed.Remove(evseId);
        changedSinceSnapshot[evseId] = 0; // its kept rules go with the next snapshot
    }

    /// <summary>Polls one EVSE's session now, re-reading every resource, and returns its rules (after binding) — here, or on the instance that runs the sessions.</summary>
    public async Task<GridRules> PollNowAsync(Guid evseId, CancellationToken cancellationToken) =>
        RunsSessions || !relay.Enabled
            ? await scheduler.PollNowAsync(evseId, cancellationToken) ?? feed.Get(evseId)
            : await PollElsewhereAsync(evseId, cancellationToken);

    /// <summary>Restarts the sessions of every EVSE bound to a server whose settings changed.</summary>
    public async Task RestartServerAsync(Guid serverId, CancellationToken cancellationToken)
    {
        await RestartServerHereAsync(serverId, cancellationToken);
        relay.Server(serverId);
    }

    private async Task RestartServerHereAsync(Guid serverId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var server = await db.ApprovedServers.AsNoTracking().SingleAsync(s => s.Id == serverId, cancellationToken);
        var bound = await (from b in db.GridBindings.AsNoTracking()
                           where b.ServerId == serverId
                           join c in db.DeviceCredentials.AsNoTracking() on b.EvseId equals c.EvseId into credentials
                           from c in credentials.DefaultIfEmpty()
                           select new { b, c }).ToListAsync(cancellationToken);
        foreach (var x in bound)
        {
            Apply(x.b, server, x.c);
        }
    }

    public override void Dispose()
    {
        scheduler.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Before the host listens: the sessions of every binding, each with the rules it kept for a restart — so that no
    /// EVSE reconnecting after a restart is told "not bound" (and stops) for want of a session not yet made.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await journal.LoadAsync(cancellationToken);
        await lease.FirstTry.WaitAsync(cancellationToken); // whether this instance runs the sessions
        await LoadAsync(residents: true, cancellationToken);
        loaded = true;
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var writer = journal.RunWriterAsync(stoppingToken);
        var snapshotter = SnapshotLoopAsync(stoppingToken);
        var sweeper = SweepResidentsAsync(stoppingToken);
        await scheduler.RunAsync(stoppingToken);
        await writer;
        await snapshotter;
        await sweeper;
    }

    /// <summary>Keeps the last rules for the next start first — while the store is still there — then stops the sessions.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (loaded && RunsSessions)
            {
                // Its own few seconds, even when the host's shutdown time is already up: not before the sessions are
                // loaded (that would forget the last ones).
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await SnapshotAsync(deadline.Token);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or DbUpdateException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or LinqToDB.LinqToDBException)
        {
            LogSnapshotFailed(ex);
        }

        await base.StopAsync(cancellationToken);
    }

    private static readonly TimeSpan SnapshotEvery = TimeSpan.FromSeconds(30);

    /// <summary>Every second: rules an EVSE-resident client reported that have outlived their validity turn stale.</summary>
    private async Task SweepResidentsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Residents.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions SnapshotJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static GridRules Failed(GridBinding binding, ApprovedServer server, string detail) =>
        GridRules.NotIntegrated(binding.EvseId, GridIntegration.Failed, detail) with { ServerName = server.Name, Sfdi = binding.Sfdi };

    private void OnRules(GridRules rules)
    {
        if (!RunsSessions)
        {
            return; // an own client's report checked here: the holder's rules for it come over the relay
        }

        Publish(rules);

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

    [LoggerMessage(LogLevel.Information, "Grid client sessions started for {Count} bound EVSEs ({Restored} with the rules they had before the restart)")]
    private partial void LogLoaded(int count, int restored);

    [LoggerMessage(LogLevel.Information, "{Count} bound EVSEs: another instance runs their 2030.5 sessions; {Restored} with the rules last kept until it tells them")]
    private partial void LogLoadedElsewhere(int count, int restored);

    [LoggerMessage(LogLevel.Information, "EVSE {EvseId} at {Server}: {Integration} {Detail}")]
    private partial void LogStatus(Guid evseId, string? server, GridIntegration integration, string? detail);

    [LoggerMessage(LogLevel.Error, "Grid client session of EVSE {EvseId} failed unexpectedly")]
    private partial void LogPollCrashed(Exception ex, Guid evseId);

    [LoggerMessage(LogLevel.Warning, "Could not record the grid status of EVSE {EvseId}")]
    private partial void LogRecordFailed(Exception ex, Guid evseId);
}
