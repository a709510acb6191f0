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
        Assert.StartsWith("Limit export to 50 %", limited.ActiveControl!.Description, StringComparison.Ordinal);
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
        Assert.Null(stale.ExportLimitPercent);
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
}
