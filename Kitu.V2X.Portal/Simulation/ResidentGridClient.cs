using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Hubs;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// The IEEE 2030.5 client inside a virtual charger (seed §3.2.4.1): the charger's own manufacturer certificate and
/// key, and the project's own client library — the same <see cref="DerClientSession"/> the portal runs for the EVSEs
/// it hosts. The owner's bind switch tells it the server over the charger's link; it registers itself, reads the grid
/// controls at the server's pollRate and hands each result to the charger (to apply and to report to the portal).
/// </summary>
public sealed class ResidentGridClient : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly Guid evseId;
    private readonly X509Certificate2 certificate;
    private readonly double ratedChargeW;
    private readonly double ratedDischargeW;
    private readonly DerControlModes modes;
    private readonly double? nominalVoltageV;
    private readonly TimeProvider time;
    private GridServerMessage? server;
    private Running? running;

    public ResidentGridClient(Guid evseId, X509Certificate2 certificate, double ratedChargeW, double ratedDischargeW, DerControlModes modes, double? nominalVoltageV, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        this.evseId = evseId;
        this.certificate = certificate;
        this.ratedChargeW = ratedChargeW;
        this.ratedDischargeW = ratedDischargeW;
        this.modes = modes;
        this.nominalVoltageV = nominalVoltageV;
        this.time = time;
        Identity = DeviceIdentity.FromCertificate(certificate.RawData);
    }

    /// <summary>The charger's 2030.5 identity (from its own certificate).</summary>
    public DeviceIdentity Identity { get; }

    /// <summary>The rules its session derived last, or null before its first read.</summary>
    public GridRules? Rules => running?.Session.Rules;

    /// <summary>How often it reads its server now.</summary>
    public TimeSpan PollInterval => running?.Session.PollInterval ?? TimeSpan.FromSeconds(900);

    /// <summary>Called with the rules after every read of the server and whenever an event boundary changes them.</summary>
    public Func<GridRules, Task>? RulesRead { get; set; }

    /// <summary>
    /// Uses the server the portal named (or none): a new server, PIN or trust anchor starts a new session; the same one
    /// keeps it and reports its rules again (the portal asks after a reconnect).
    /// </summary>
    public async Task UseAsync(GridServerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Running? stop = null;
        Running? start = null;
        GridRules? again = null;
        lock (gate)
        {
            if (Same(server, message) && running is not null)
            {
                again = running.Session.Rules;
            }
            else
            {
                server = message;
                stop = running;
                running = null;
                if (message is { Bound: true, DeviceCapabilityUrl: { } url, TrustAnchorPem: { } anchor })
                {
                    try
                    {
                        start = running = Start(message, url, anchor);
                    }
                    catch (ArgumentException ex)
                    {
                        again = GridRules.NotIntegrated(evseId, GridIntegration.Failed, ex.Message) with { ServerName = message.ServerName };
                    }
                }
            }
        }

        if (stop is not null)
        {
            await stop.DisposeAsync();
        }

        if (again is not null && RulesRead is { } read)
        {
            await read(again);
        }

        if (start is not null)
        {
            start.Loop = Task.Run(() => LoopAsync(start));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Running? stop;
        lock (gate)
        {
            stop = running;
            running = null;
        }

        if (stop is not null)
        {
            await stop.DisposeAsync();
        }
    }

    private Running Start(GridServerMessage message, string url, string anchor)
    {
        var tls = new SepTls(SepTls.ParseTrustAnchors(anchor), time);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var dcap) || dcap.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("The server's DeviceCapability URL is not an https URL.");
        }

        var timeout = TimeSpan.FromSeconds(15);
        var http = new HttpClient(tls.CreateHandler(certificate, timeout, TimeSpan.FromMinutes(2))) { Timeout = Timeout.InfiniteTimeSpan };
        var client = new SepHttpClient(http, dcap, tls, requestTimeout: timeout);
        var binding = new DeviceBinding(evseId, message.ServerName ?? dcap.Authority, Identity, message.RegistrationPin, ratedChargeW, ratedDischargeW)
        {
            ModesSupported = modes,
            NominalVoltageV = nominalVoltageV,
        };
        var floor = TimeSpan.FromSeconds(Math.Max(1, message.MinimumPollSeconds ?? 10));
        var session = new DerClientSession(binding, client, new DerClientOptions { MinimumPollInterval = floor }, time, new Random(), new InMemoryResponseJournal());
        return new Running(session, http);
    }

    /// <summary>Polls when due, evaluates every second in between (event boundaries), and hands on each result.</summary>
    private async Task LoopAsync(Running run)
    {
        GridRules? last = null;
        while (!run.Stopping.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                GridRules rules;
                bool polled;
                if (run.Session.NextPollAt <= now)
                {
                    rules = await run.Session.PollAsync(run.Stopping.Token);
                    polled = true;
                }
                else
                {
                    rules = run.Session.Evaluate(now);
                    polled = false;
                }

                if ((polled || !rules.SameContentAs(last)) && RulesRead is { } read)
                {
                    await read(rules);
                }

                last = rules;
                await Task.Delay(TimeSpan.FromSeconds(1), time, run.Stopping.Token);
            }
            catch (OperationCanceledException) when (run.Stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static bool Same(GridServerMessage? a, GridServerMessage b) =>
        a is not null && a.Bound == b.Bound && a.DeviceCapabilityUrl == b.DeviceCapabilityUrl && a.TrustAnchorPem == b.TrustAnchorPem
        && a.RegistrationPin == b.RegistrationPin && a.ServerName == b.ServerName;

    private sealed class Running(DerClientSession session, HttpClient http) : IAsyncDisposable
    {
        public DerClientSession Session { get; } = session;

        public CancellationTokenSource Stopping { get; } = new();

        public Task? Loop { get; set; }

        public async ValueTask DisposeAsync()
        {
            await Stopping.CancelAsync();
            if (Loop is not null)
            {
                try
                {
                    await Loop;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or ObjectDisposedException)
                {
                    // stopping anyway
                }
            }

            http.Dispose();
            Stopping.Dispose();
        }
    }
}
