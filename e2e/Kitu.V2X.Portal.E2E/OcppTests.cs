using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// The demo's street site mixes both transports: its OCPP post is a virtual OCPP 2.1 station on the gateway. The fleet
/// manager sees it online over OCPP, and adds an OCPP charger of their own: its CSMS URL, station id and password are
/// shown once.
/// </summary>
public sealed class OcppTests(PortalFixture portal)
{
    [Fact]
    public async Task The_street_sites_ocpp_post_is_online_over_ocpp_and_an_ocpp_charger_is_added_with_its_connection_details()
    {
        var fleet = await OpenAsAsync(portal, "fleet@demo.kitu", "/sites", 1280, 900);
        await fleet.Locator("[data-testid='site']", new() { HasText = "Harbor Street" }).Locator("[data-testid='open-site']").ClickAsync();
        var post = fleet.Locator("[data-testid='lot-table'] tr", new() { HasText = "OCPP post 3" });
        await Assertions.Expect(post.Locator("[data-testid='lot-link']")).ToHaveTextAsync("online (OCPP 2.1)", new() { Timeout = 30_000 });

        var stationId = "E2E-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        await fleet.GetByText("Add a charger").ClickAsync();
        await fleet.Locator("[data-testid='evse-name']").FillAsync("Visitor OCPP charger");
        await fleet.GetByText("OCPP 2.1 / 2.0.1").ClickAsync();
        await fleet.Locator("[data-testid='ocpp-station-id']").FillAsync(stationId);
        await fleet.Locator("[data-testid='ocpp-station-id']").PressAsync("Tab"); // the field takes its value when it loses focus
        await fleet.Locator("[data-testid='add-evse']").ClickAsync();
        var details = fleet.Locator("[data-testid='credentials']");
        await Assertions.Expect(details).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(details).ToBeInViewportAsync(); // shown under a long lot: brought into view
        await Assertions.Expect(details.Locator("[data-testid='ocpp-url']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^wss?://[^/]+/ocpp$"));
        await Assertions.Expect(details).ToContainTextAsync(stationId);
        Assert.Equal(40, (await details.Locator("[data-testid='secret']").TextContentAsync())!.Length);
        await ScreenshotAsync(fleet, "fleet-ocpp-charger-added");
        await AssertNoSidewaysScrollAsync(fleet);

        // Tidy up: the charger is removed again (it never connected).
        var added = fleet.Locator("[data-testid='lot-table'] tr", new() { HasText = "Visitor OCPP charger" });
        await added.Locator("[data-testid='remove-charger']").ClickAsync();
        await fleet.Locator("[data-testid='confirm-ok']").ClickAsync();
        await Assertions.Expect(added).ToHaveCountAsync(0);
        await fleet.Context.CloseAsync();
    }
}
