using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;
using Kitu.V2X.Portal.Simulation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// A charger that runs its own 2030.5 client with its maker's certificate (seed §3.2.4.1), over real SignalR and real
/// TLS to the sandbox: the owner's bind switch only names the server; the charger registers itself and reports the
/// rules in force; the portal holds no key, runs no session for it, and decides discharge from what it reports.
/// </summary>
public sealed class ResidentClientTests(ResidentClientTests.Portal portal) : IClassFixture<ResidentClientTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Its_own_client_registers_by_itself_and_the_rules_it_reports_gate_discharge()
    {
        await using var rig = await portal.RigAsync(bind: false, ownGridClient: portal.OwnClient);
        var identity = rig.Evse.GridClient!.Identity;
        await rig.UntilAsync(async () => (await IdentityAsync(rig.EvseId))?.Kind == DeviceIdentityKind.EvseResident, "the charger's hello records its own identity");

        var outcome = await BindAsync(rig.EvseId);

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.True(outcome.Rules!.ReportedByEvse);
        var feed = portal.Services.GetRequiredService<GridRulesFeed>();
        await rig.UntilAsync(() => feed.Get(rig.EvseId).Integration == GridIntegration.Integrated, "the charger reports it is registered and has rules", TimeSpan.FromSeconds(20));
        Assert.True(feed.Get(rig.EvseId).ReportedByEvse);
        Assert.Equal(identity.Sfdi, feed.Get(rig.EvseId).Sfdi);
        Assert.Contains(portal.Services.GetRequiredService<SandboxState>().Devices(), d => DeviceIdentity.SameLfdi(d.Lfdi, identity.Lfdi));
        Assert.Null((await CredentialAsync(rig.EvseId))!.ProtectedCertificate); // the portal never held its key
        Assert.True(portal.Services.GetRequiredService<GridClientWorker>().Residents.IsResident(rig.EvseId));

        await rig.DispatchAsync(5);
        await rig.UntilStateAsync(CommandState.Running);

        var sandbox = portal.Services.GetRequiredService<SandboxState>();
        var cease = sandbox.CeaseToEnergize(TimeSpan.FromMinutes(5));
        try
        {
            // Read by the charger's own client at its next poll (10 s), reported, and the mediator stops the discharge.
            var stopped = await rig.UntilStateAsync(CommandState.Stopped, TimeSpan.FromSeconds(30));
            Assert.Equal("grid.cease_to_energize", stopped.ReasonCode);
            Assert.False(feed.Get(rig.EvseId).Energize);
        }
        finally
        {
            sandbox.Cancel(cease);
        }
    }

    [Fact]
    public async Task Unbinding_tells_its_own_client_to_stop_and_the_charger_is_not_bound()
    {
        await using var rig = await portal.RigAsync(bind: false, ownGridClient: portal.OwnClient);
        await rig.UntilAsync(async () => (await IdentityAsync(rig.EvseId))?.Kind == DeviceIdentityKind.EvseResident, "the charger's hello records its own identity");
        await BindAsync(rig.EvseId);
        var feed = portal.Services.GetRequiredService<GridRulesFeed>();
        await rig.UntilAsync(() => feed.Get(rig.EvseId).Integration == GridIntegration.Integrated, "the charger reports its rules", TimeSpan.FromSeconds(20));
        var reports = rig.Evse.GridReportsSent;

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<GridBindingService>().UnbindAsync(rig.EvseId, Ct);
        }

        await rig.UntilAsync(() => rig.Evse.GridClient!.Rules is null, "the charger's own client stops");
        Assert.Equal(GridIntegration.NotBound, feed.Get(rig.EvseId).Integration);
        Assert.Equal(DeviceIdentityKind.EvseResident, (await IdentityAsync(rig.EvseId))!.Kind); // its identity stays known
        await Task.Delay(1500, Ct);
        Assert.Equal(GridIntegration.NotBound, feed.Get(rig.EvseId).Integration); // no late report brings it back
        Assert.True(rig.Evse.GridReportsSent >= reports);
    }

    private async Task<BindOutcome> BindAsync(Guid evseId)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var grid = scope.ServiceProvider.GetRequiredService<GridBindingService>();
        var server = (await grid.ServersAsync(Ct)).Single(s => s.Name == "Sandbox Utility");
        return await grid.BindAsync(new BindRequest(evseId, server.Id, "111115", 11, 11), Ct);
    }

    private async Task<IdentityView?> IdentityAsync(Guid evseId)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DeviceIdentities>().ViewAsync(evseId, Ct);
    }

    private async Task<DeviceCredential?> CredentialAsync(Guid evseId)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<GridDbContext>().DeviceCredentials.AsNoTracking().SingleOrDefaultAsync(c => c.EvseId == evseId, Ct);
    }

    /// <summary>The live portal, with a charger maker whose CA the sandbox utility enrolled.</summary>
    public sealed class Portal : LivePortal
    {
        private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 makerCa =
            Certificates.CreateAuthority("Test charger maker", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(30));

        public Portal() => Services.GetRequiredService<SandboxHost>().Trust.Enrol(makerCa);

        /// <summary>A charger's own client with a factory certificate from the maker.</summary>
        public ResidentGridClient OwnClient(Guid evseId) =>
            new(evseId, Certificates.IssueDevice(makerCa, $"EVSE {evseId:N}", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(20)), 11_000, 11_000, DerControlModes.AllIeee1547, 240, TimeProvider.System);
    }
}
