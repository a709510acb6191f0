using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// The fleet manager enables discharge on the six depot bays and binds them to the sandbox server in bulk; the grid
/// admin issues "cease to energize"; the lot dashboard shows the block on every bound charger live, and its end.
/// </summary>
public sealed class FleetTests(PortalFixture portal)
{
    [Fact]
    public async Task Bulk_allow_and_bind_then_a_cease_to_energize_shows_on_every_bound_charger_live()
    {
        var fleet = await OpenAsAsync(portal, "fleet@demo.kitu", "/sites", 1280, 900);
        await fleet.Locator("[data-testid='site']", new() { HasText = "Depot lot" }).Locator("[data-testid='open-site']").ClickAsync();
        var table = fleet.Locator("[data-testid='lot-table']");
        await Assertions.Expect(table).ToContainTextAsync("Bay 6");

        await fleet.Locator("[data-testid='select-all']").ClickAsync();
        await fleet.Locator("[data-testid='bulk-allow']").ClickAsync();
        await Assertions.Expect(fleet.GetByText("Discharge allowed on 6 chargers.")).ToBeVisibleAsync();
        await fleet.Locator("[data-testid='bulk-pin']").FillAsync("111115");
        await fleet.Locator("[data-testid='bulk-bind']").ClickAsync();
        await Assertions.Expect(fleet.GetByText("Bound 6: 6 registered with Sandbox Utility.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var grid = table.Locator("[data-testid='lot-grid']");
        await Assertions.Expect(grid).ToHaveCountAsync(6);

        var admin = await OpenAsAsync(portal, "gridadmin@demo.kitu", "/grid/sandbox", 1280, 800);
        await admin.Locator("#issue-cease").ClickAsync();
        await Assertions.Expect(admin.Locator("[data-testid='confirm-message']")).ToContainTextAsync("Every charger bound to the sandbox server stops discharging");
        await AnswerConfirmAsync(admin);
        try
        {
            for (var i = 0; i < 6; i++)
            {
                await Assertions.Expect(grid.Nth(i)).ToContainTextAsync("cease to energize", new() { Timeout = 25_000 });
            }

            await ScreenshotAsync(fleet, "fleet-dashboard-cease");
        }
        finally
        {
            await admin.Locator("#controls-table").GetByRole(AriaRole.Button, new() { Name = "Cancel" }).First.ClickAsync();
        }

        // The end of the block arrives the same way; each charger then waits out the utility's enter-service delay
        // (IEEE 1547). Later tests start from a grid without it.
        for (var i = 0; i < 6; i++)
        {
            await Assertions.Expect(grid.Nth(i)).Not.ToContainTextAsync("cease to energize", new() { Timeout = 25_000 });
        }

        for (var i = 0; i < 6; i++)
        {
            await Assertions.Expect(grid.Nth(i)).Not.ToContainTextAsync("entering service", new() { Timeout = 25_000 });
        }

        await admin.Context.CloseAsync();
        await fleet.Context.CloseAsync();
    }
}
