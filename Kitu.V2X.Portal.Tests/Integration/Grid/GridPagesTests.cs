using System.Net;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Grid;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>Who may open the grid pages, and the grid admin's approved-server list.</summary>
public sealed class GridPagesTests(ChargerBindingTests.Portal portal) : IClassFixture<ChargerBindingTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("driver@demo.kitu", "/chargers")]
    [InlineData("operator@demo.kitu", "/chargers")]
    [InlineData("owner@demo.kitu", "/grid/servers")]
    [InlineData("owner@demo.kitu", "/grid/sandbox")]
    [InlineData("driver@demo.kitu", "/grid/sandbox")]
    public async Task Pages_of_another_role_send_to_access_denied(string email, string path)
    {
        var client = FormClient.CreateClient(portal);
        await FormClient.LoginAsync(client, email);

        var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/AccessDenied", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_owner_sees_only_their_own_chargers_on_the_page()
    {
        var client = FormClient.CreateClient(portal);
        await FormClient.LoginAsync(client, DemoAccounts.Owner.Email);

        var page = await client.GetStringAsync("/chargers", Ct);

        Assert.Contains("Garage charger", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Bay 1", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Public post", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_grid_admin_sees_the_sandbox_as_an_approved_server()
    {
        var client = FormClient.CreateClient(portal);
        await FormClient.LoginAsync(client, DemoAccounts.GridAdmin.Email);

        var page = await client.GetStringAsync("/grid/servers", Ct);

        Assert.Contains("Sandbox Utility", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Saving_a_server_names_every_bad_field_and_stores_nothing()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<ApprovedServerAdministration>();
        var before = (await admin.ListAsync(Ct)).Count;

        var errors = await admin.SaveAsync(new ApprovedServerForm { Name = " ", UtilityName = "", DeviceCapabilityUrl = "http://plain.example/dcap", TrustAnchorPem = "not a certificate" }, Ct);

        Assert.Equal(["DeviceCapabilityUrl", "Name", "TrustAnchorPem", "UtilityName"], errors.Keys.Order());
        Assert.Equal(before, (await admin.ListAsync(Ct)).Count);
    }

    [Fact]
    public async Task Checking_the_sandbox_reads_its_device_capability_over_tls_and_records_it()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<ApprovedServerAdministration>();
        var sandbox = await scope.ServiceProvider.GetRequiredService<GridDbContext>().ApprovedServers.AsNoTracking().SingleAsync(s => s.Name == "Sandbox Utility", Ct);

        var result = await admin.CheckAsync(sandbox.Id, Ct);

        Assert.StartsWith("OK as a throwaway device from the portal's device CA (SFDI ", result, StringComparison.Ordinal);
        Assert.Contains("DeviceCapability read over TLS 1.2 (pollRate 10 s)", result, StringComparison.Ordinal);
        var stored = await scope.ServiceProvider.GetRequiredService<GridDbContext>().ApprovedServers.AsNoTracking().SingleAsync(s => s.Id == sandbox.Id, Ct);
        Assert.Equal(result, stored.LastCheckResult);
    }

    [Fact]
    public async Task Checking_a_server_with_the_wrong_trust_anchor_says_so()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<ApprovedServerAdministration>();
        var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var sandbox = await db.ApprovedServers.AsNoTracking().SingleAsync(s => s.Name == "Sandbox Utility", Ct);
        var otherCa = Kitu.V2X.Portal.Domain.GridSecurity.Certificates.CreateAuthority("Not the sandbox", DateTimeOffset.UtcNow.AddDays(-1), TimeSpan.FromDays(2));
        var form = new ApprovedServerForm { Name = "Impostor check", UtilityName = "Test", DeviceCapabilityUrl = sandbox.DeviceCapabilityUrl, TrustAnchorPem = otherCa.ExportCertificatePem(), Enabled = false };
        Assert.Empty(await admin.SaveAsync(form, Ct));

        var result = await admin.CheckAsync(form.Id!.Value, Ct);

        Assert.StartsWith("certificate mismatch", result, StringComparison.Ordinal);
    }
}
