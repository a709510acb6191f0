using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// Device identities on a 375 px phone: the homeowner has the garage charger's certificate signed by the utility from
/// a request made in the portal; the grid admin hands the utility the portal's device CA and checks a server as a
/// charger; the fleet manager binds a street charger that runs its own 2030.5 client.
/// </summary>
public sealed class IdentityTests(PortalFixture portal)
{
    [Fact]
    public async Task The_owner_has_the_garage_certificate_signed_by_the_utility_from_a_request_and_tests_it()
    {
        var owner = await OpenAsAsync(portal, "owner@demo.kitu", "/chargers");
        var garage = owner.Locator("[data-testid='charger']", new() { HasText = "Garage charger" });
        await garage.Locator("[data-testid='identity']").ClickAsync();
        var panel = owner.Locator("#identity-panel");
        await Assertions.Expect(panel).ToBeVisibleAsync();
        await panel.GetByText("Request a certificate from your utility").ClickAsync();
        await owner.Locator("#request-create").ClickAsync();
        var request = owner.Locator("#request-pem");
        await Assertions.Expect(request).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^-----BEGIN CERTIFICATE REQUEST-----"));
        await Assertions.Expect(owner.Locator("#request-download")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/identity-request\\.pem$"));
        await ScreenshotAsync(owner, "owner-identity-request");
        await AssertNoSidewaysScrollAsync(owner);

        // The utility (here the sandbox's grid admin) signs it.
        var admin = await OpenAsAsync(portal, "gridadmin@demo.kitu", "/grid/sandbox");
        await admin.Locator("#sign-request").FillAsync(await request.InputValueAsync());
        await admin.Locator("#sign-confirm").ClickAsync();
        var signed = admin.Locator("#signed-certificate");
        await Assertions.Expect(signed).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^-----BEGIN CERTIFICATE-----"));
        var certificate = await signed.InputValueAsync();
        await admin.Context.CloseAsync();

        await owner.Locator("#request-signed").FillAsync(certificate);
        await owner.Locator("#request-accept").ClickAsync();
        await Assertions.Expect(owner.Locator("[data-testid='identity-message']")).ToContainTextAsync("the certificate your utility signed");
        await Assertions.Expect(owner.Locator("[data-testid='identity-kind']")).ToContainTextAsync("signed by your utility's or manufacturer's CA");
        await Assertions.Expect(owner.Locator("[data-testid='identity-sfdi']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^\\d{1,4}(-\\d{4})+$"));

        await panel.GetByText("Test with a server").ClickAsync();
        await owner.Locator("#test-confirm").ClickAsync();
        await Assertions.Expect(owner.Locator("[data-testid='test-result']")).ToContainTextAsync("OK as the charger's identity", new() { Timeout = 20_000 });
        await ScreenshotAsync(owner, "owner-identity-enrolled");
        await AssertNoSidewaysScrollAsync(owner);
        await owner.Context.CloseAsync();
    }

    [Fact]
    public async Task The_grid_admin_hands_out_the_portal_device_ca_and_checks_the_sandbox_on_a_phone()
    {
        var admin = await OpenAsAsync(portal, "gridadmin@demo.kitu", "/grid/servers");
        await Assertions.Expect(admin.Locator("[data-testid='device-ca-fingerprint']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$"));
        var download = await admin.Context.APIRequest.GetAsync(portal.BaseUrl + "/grid/device-ca.pem");
        Assert.Equal(200, download.Status);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await download.TextAsync(), StringComparison.Ordinal);

        var sandbox = admin.Locator("[data-testid='server']", new() { HasText = "Sandbox Utility" });
        await sandbox.Locator("[data-testid='check']").ClickAsync();
        await Assertions.Expect(sandbox.Locator("[data-testid='check-result']")).ToContainTextAsync("OK as a throwaway device from the portal's device CA", new() { Timeout = 20_000 });
        await ScreenshotAsync(admin, "gridadmin-servers-device-ca");
        await AssertNoSidewaysScrollAsync(admin);
        await admin.Context.CloseAsync();
    }

    [Fact]
    public async Task The_fleet_manager_binds_a_street_charger_that_runs_its_own_client()
    {
        var fleet = await OpenAsAsync(portal, "fleet@demo.kitu", "/chargers");
        var post = fleet.Locator("[data-testid='charger']", new() { HasText = "Public post 1" });
        await post.Locator("[data-testid='identity']").ClickAsync();
        await Assertions.Expect(fleet.Locator("[data-testid='identity-kind']")).ToContainTextAsync("The charger's own 2030.5 client", new() { Timeout = 15_000 });
        await fleet.Locator("#identity-close").ClickAsync();

        var status = post.Locator("[data-testid='grid-status']");
        if ((await status.TextContentAsync())!.Contains("Not connected", StringComparison.Ordinal))
        {
            await post.Locator("[data-testid='bind']").ClickAsync();
            await fleet.Locator("#bind-pin").FillAsync("111115");
            await fleet.Locator("#bind-confirm").ClickAsync();
        }

        await Assertions.Expect(status).ToContainTextAsync("by the charger's own 2030.5 client", new() { Timeout = 30_000 });
        await Assertions.Expect(status).ToContainTextAsync("Registered with Sandbox Utility");
        await ScreenshotAsync(fleet, "fleet-street-charger-own-client");
        await AssertNoSidewaysScrollAsync(fleet);
        await fleet.Context.CloseAsync();
    }
}
