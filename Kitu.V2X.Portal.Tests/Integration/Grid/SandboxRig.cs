using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// A sandbox 2030.5 server on a free loopback port with real TLS, and client sessions for devices with their own
/// certificates. The server's resources and the client run on one fake clock (events at exact instants, "stale"
/// without waiting); TLS runs on real time.
/// </summary>
internal sealed class SandboxRig : IAsyncDisposable
{
    private static readonly DateTimeOffset CertificatesFrom = DateTimeOffset.UtcNow.AddDays(-1);

    public SandboxRig(uint pollRateSeconds = 10, TimeProvider? serverTime = null)
    {
        UtilityCa = Certificates.CreateAuthority("Sandbox Utility Test CA", CertificatesFrom, TimeSpan.FromDays(30));
        DeviceCa = Certificates.CreateAuthority("Kitu Device Test CA", CertificatesFrom, TimeSpan.FromDays(30));
        State = new SandboxState(serverTime ?? Clock, Options.Create(new SandboxOptions { PollRateSeconds = pollRateSeconds }));
        Server = new SandboxServer(State, Certificates.IssueServer(UtilityCa, "localhost", CertificatesFrom, TimeSpan.FromDays(30)), new SandboxTrust([DeviceCa]), 0, NullLoggerFactory.Instance);
    }

    public X509Certificate2 UtilityCa { get; }

    public X509Certificate2 DeviceCa { get; }

    public SandboxState State { get; }

    public SandboxServer Server { get; }

    /// <summary>Whole seconds, so server instants (TimeType) and client instants line up exactly.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public Uri Dcap => Server.DeviceCapabilityUrl!;

    public DateTimeOffset Now => Clock.GetUtcNow();

    public async Task<SandboxRig> StartAsync()
    {
        await Server.StartAsync(TestContext.Current.CancellationToken);
        return this;
    }

    /// <summary>A new device certificate issued by the rig's device CA.</summary>
    public X509Certificate2 DeviceCertificate() => Certificates.IssueDevice(DeviceCa, $"evse-{Guid.NewGuid():N}", CertificatesFrom, TimeSpan.FromDays(30));

    /// <summary>A session for a new device; <paramref name="trustAnchor"/> defaults to the sandbox's own CA.</summary>
    public DerClientSession Session(
        uint? pin = null,
        X509Certificate2? trustAnchor = null,
        Uri? dcap = null,
        TimeSpan? timeout = null,
        X509Certificate2? deviceCertificate = null,
        Func<HttpMessageHandler, HttpMessageHandler>? wrap = null,
        DerControlModes modes = DerControlModes.AllIeee1547,
        IDerResponseJournal? journal = null,
        TimeProvider? clock = null,
        TimeSpan? floor = null,
        Guid? evseId = null,
        Guid? serverId = null)
    {
        var device = deviceCertificate ?? DeviceCertificate();
        var binding = new DeviceBinding(evseId ?? Guid.NewGuid(), "Sandbox Utility", DeviceIdentity.FromCertificate(device.RawData), pin, 11_000, 10_000)
        {
            ModesSupported = modes,
            ServerId = serverId ?? Guid.Empty,
            NominalVoltageV = 240,
        };
        var tls = new SepTls([trustAnchor ?? UtilityCa], TimeProvider.System);
        HttpMessageHandler handler = tls.CreateHandler(device, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2));
        var http = new HttpClient(wrap is null ? handler : wrap(handler)) { Timeout = Timeout.InfiniteTimeSpan };
        var client = new SepHttpClient(http, dcap ?? Dcap, tls, requestTimeout: timeout ?? TimeSpan.FromSeconds(10));
        var options = new DerClientOptions { MinimumPollInterval = floor ?? TimeSpan.FromSeconds(10) };
        return new DerClientSession(binding, client, options, clock ?? Clock, new Random(7), journal);
    }

    /// <summary>Polls, then moves the clock on by <paramref name="seconds"/>.</summary>
    public async Task<GridRules> PollThenAdvanceAsync(DerClientSession session, int seconds)
    {
        var rules = await session.PollAsync(TestContext.Current.CancellationToken);
        Clock.Advance(TimeSpan.FromSeconds(seconds));
        return rules;
    }

    /// <summary>Runs the session as its scheduler would for <paramref name="span"/> of fake time: poll when due, evaluate otherwise.</summary>
    public async Task RunAsync(DerClientSession session, TimeSpan span)
    {
        var end = Now + span;
        while (Now < end)
        {
            if (session.NextPollAt <= Now)
            {
                await session.PollAsync(TestContext.Current.CancellationToken);
            }

            session.Evaluate(Now);
            var next = session.NextPollAt > Now ? session.NextPollAt : Now + TimeSpan.FromSeconds(1);
            Clock.Advance((next < end ? next : end) - Now);
        }

        session.Evaluate(Now);
    }

    public IReadOnlyList<DerControlResponse> Responses(string mrid) => State.ResponsesFor(mrid);

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
