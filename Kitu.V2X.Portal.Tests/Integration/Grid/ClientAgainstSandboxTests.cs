using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>The 2030.5 client against the sandbox server over real TLS (CCM8, mutual certificates) on loopback.</summary>
public sealed class ClientAgainstSandboxTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bind_register_limit_then_server_stops_and_rules_go_stale()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var session = rig.Session(pin: 111115);

        var registered = await session.PollAsync(Ct);
        Assert.Equal(GridIntegration.Integrated, registered.Integration);
        Assert.Null(registered.ExportLimitPercent);
        Assert.NotNull(registered.Functions.EnterService);
        Assert.Single(rig.State.Devices());
        Assert.Equal(10_000, rig.State.Devices()[0].Capability!.RtgMaxDischargeRateW!.Watts);

        rig.State.LimitExport(50, TimeSpan.FromMinutes(10));
        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        var limited = await session.PollAsync(Ct);
        Assert.Equal(GridIntegration.Integrated, limited.Integration);
        Assert.Equal(50, limited.ExportLimitPercent);
        Assert.Equal(5_000, limited.ExportLimitW);
        Assert.StartsWith("Limit export 50 %", limited.ActiveControl!.Description, StringComparison.Ordinal);
        Assert.Contains(rig.State.Devices()[0].Responses, r => r.Status == ResponseStatus.EventReceived);
        Assert.Contains(rig.State.Devices()[0].Responses, r => r.Status == ResponseStatus.EventStarted);

        await rig.Server.StopAsync(Ct);
        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        var unreachable = await session.PollAsync(Ct);
        Assert.Equal(SepClientError.Unreachable, session.LastError);
        Assert.Equal(GridIntegration.Integrated, unreachable.Integration);

        rig.Clock.Advance(TimeSpan.FromSeconds(15));
        var stale = session.Evaluate(rig.Clock.GetUtcNow());
        Assert.Equal(GridIntegration.Stale, stale.Integration);
        Assert.False(stale.IsIntegratedAt(rig.Clock.GetUtcNow()));
        Assert.Equal(50, stale.ExportLimitPercent); // the known schedule still runs on the EVSE; discharge is refused
    }

    [Fact]
    public async Task A_server_that_drops_the_connection_during_the_tls_handshake_is_a_loss_of_contact_and_the_rules_held_are_kept()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 10).StartAsync();
        var session = rig.Session();
        rig.State.LimitExport(50, TimeSpan.FromMinutes(10));
        Assert.Equal(GridIntegration.Integrated, (await session.PollAsync(Ct)).Integration);

        // An overloaded or restarting server: it takes the connection, reads the ClientHello and closes without a word.
        await rig.Server.StopAsync(Ct);
        using var dropper = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, rig.Dcap.Port);
        dropper.Start();
        var drops = Task.Run(async () =>
        {
            while (true)
            {
                using var socket = await dropper.AcceptSocketAsync(Ct);
                await socket.ReceiveAsync(new byte[4096], Ct);
                socket.Close();
            }
        }, Ct);

        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        var rules = await session.PollAsync(Ct);

        Assert.Equal(SepClientError.Unreachable, session.LastError);
        Assert.Equal(GridIntegration.Integrated, rules.Integration);
        Assert.Equal(50, rules.ExportLimitPercent);
        Assert.False(drops.IsFaulted, drops.Exception?.ToString());
    }

    [Fact]
    public async Task A_wrong_registration_pin_leaves_the_evse_not_registered_with_the_reason()
    {
        await using var rig = await new SandboxRig().StartAsync();

        var rules = await rig.Session(pin: 222224).PollAsync(Ct);

        Assert.Equal(GridIntegration.NotRegistered, rules.Integration);
        Assert.Contains("PIN does not match", rules.IntegrationDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_does_not_chain_to_the_pinned_anchor_is_a_certificate_error()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var otherCa = Certificates.CreateAuthority("Someone else", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(2));
        var session = rig.Session(trustAnchor: otherCa);

        var rules = await session.PollAsync(Ct);

        Assert.Equal(SepClientError.Certificate, session.LastError);
        Assert.Equal(GridIntegration.Failed, rules.Integration);
        Assert.Contains("does not chain to the trust anchor", rules.IntegrationDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_certificate_from_another_ca_is_refused_by_the_server_as_a_tls_error()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var stranger = Certificates.CreateAuthority("Unknown maker", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(2));
        var session = rig.Session(deviceCertificate: Certificates.IssueDevice(stranger, "evse", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(1)));

        var rules = await session.PollAsync(Ct);

        Assert.Equal(GridIntegration.Failed, rules.Integration);
        Assert.True(session.LastError is SepClientError.Tls or SepClientError.Unreachable, $"got {session.LastError}: {rules.IntegrationDetail}");
        Assert.Empty(rig.State.Devices());
    }

    [Fact]
    public async Task A_cancelled_event_stops_applying_at_the_next_poll()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var session = rig.Session();
        await session.PollAsync(Ct);
        var mrid = rig.State.CeaseToEnergize(TimeSpan.FromMinutes(5));
        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False((await session.PollAsync(Ct)).Energize);

        Assert.True(rig.State.Cancel(mrid));
        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        var after = await session.PollAsync(Ct);

        Assert.Null(after.Energize);
        Assert.Null(after.ActiveControl);
        Assert.Contains(rig.State.Devices()[0].Responses, r => r.Status == ResponseStatus.EventCancelled);
    }

    [Fact]
    public async Task A_volt_var_event_carries_the_curve()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var session = rig.Session();
        rig.State.VoltVar(TimeSpan.FromMinutes(5));

        var rules = await session.PollAsync(Ct);

        var curve = Assert.IsType<Curve>(rules.Functions.VoltVar);
        Assert.Equal(4, curve.Points.Count);
        Assert.Equal(new CurvePoint(92, 44), curve.Points[0]);
    }

    [Fact]
    public async Task A_device_certificate_that_cannot_be_opened_fails_that_session_with_the_reason_and_a_good_one_still_integrates()
    {
        await using var rig = await new SandboxRig().StartAsync();
        var server = new ApprovedServer { Name = "Sandbox Utility", UtilityName = "Test", DeviceCapabilityUrl = rig.Dcap.ToString(), TrustAnchorPem = rig.UtilityCa.ExportCertificatePem() };
        var good = rig.DeviceCertificate();
        var opened = 0;
        GridBinding Binding(System.Security.Cryptography.X509Certificates.X509Certificate2 device)
        {
            var identity = DeviceIdentity.FromCertificate(device.RawData);
            return new GridBinding { EvseId = Guid.NewGuid(), Lfdi = identity.Lfdi, Sfdi = identity.Sfdi, RatedChargeW = 11_000, RatedDischargeW = 10_000 };
        }

        var broken = Portal.Grid.GridClientWorker.CreateSession(Binding(rig.DeviceCertificate()), server, () => throw new System.Security.Cryptography.CryptographicException("The key is corrupt."), new Portal.Grid.GridOptions(), rig.Clock, out var brokenHttp);
        var fine = Portal.Grid.GridClientWorker.CreateSession(Binding(good), server, () => { opened++; return good; }, new Portal.Grid.GridOptions(), rig.Clock, out var fineHttp);
        using (brokenHttp)
        using (fineHttp)
        {
            Assert.Equal(0, opened); // opened on the first request, not when the session is made

            var failed = await broken.PollAsync(Ct);
            var integrated = await fine.PollAsync(Ct);

            Assert.NotEqual(GridIntegration.Integrated, failed.Integration);
            Assert.Contains("device certificate cannot be opened", failed.IntegrationDetail, StringComparison.Ordinal);
            Assert.Equal(GridIntegration.Integrated, integrated.Integration);
            Assert.Equal(1, opened);
        }
    }
}
