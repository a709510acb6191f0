using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// A sandbox 2030.5 server on a free loopback port with real TLS, and client sessions for devices with their own
/// certificates. The client's clock is fake (to reach "stale" without waiting); TLS and the server use real time.
/// </summary>
internal sealed class SandboxRig : IAsyncDisposable
{
    private static readonly DateTimeOffset CertificatesFrom = DateTimeOffset.UtcNow.AddDays(-1);

    public SandboxRig(uint pollRateSeconds = 10)
    {
        UtilityCa = Certificates.CreateAuthority("Sandbox Utility Test CA", CertificatesFrom, TimeSpan.FromDays(30));
        DeviceCa = Certificates.CreateAuthority("Kitu Device Test CA", CertificatesFrom, TimeSpan.FromDays(30));
        State = new SandboxState(TimeProvider.System, Options.Create(new SandboxOptions { PollRateSeconds = pollRateSeconds }));
        Server = new SandboxServer(State, Certificates.IssueServer(UtilityCa, "localhost", CertificatesFrom, TimeSpan.FromDays(30)), [DeviceCa], 0, NullLoggerFactory.Instance);
    }

    public X509Certificate2 UtilityCa { get; }

    public X509Certificate2 DeviceCa { get; }

    public SandboxState State { get; }

    public SandboxServer Server { get; }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public Uri Dcap => Server.DeviceCapabilityUrl!;

    public async Task<SandboxRig> StartAsync()
    {
        await Server.StartAsync(TestContext.Current.CancellationToken);
        return this;
    }

    /// <summary>A session for a new device; <paramref name="trustAnchor"/> defaults to the sandbox's own CA.</summary>
    public DerClientSession Session(uint? pin = null, X509Certificate2? trustAnchor = null, Uri? dcap = null, TimeSpan? timeout = null, X509Certificate2? deviceCertificate = null, Func<HttpMessageHandler, HttpMessageHandler>? wrap = null)
    {
        var device = deviceCertificate ?? Certificates.IssueDevice(DeviceCa, $"evse-{Guid.NewGuid():N}", CertificatesFrom, TimeSpan.FromDays(30));
        var binding = new DeviceBinding(Guid.NewGuid(), "Sandbox Utility", DeviceIdentity.FromCertificate(device.RawData), pin, 11_000, 10_000);
        var tls = new SepTls([trustAnchor ?? UtilityCa], TimeProvider.System);
        HttpMessageHandler handler = tls.CreateHandler(device, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2));
        var http = new HttpClient(wrap is null ? handler : wrap(handler)) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        var client = new SepHttpClient(http, dcap ?? Dcap, tls);
        return new DerClientSession(binding, client, new DerClientOptions(), Clock, new Random(7));
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
