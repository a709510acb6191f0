using System.Text.RegularExpressions;
using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// Demo step 1 and the acceptance of the grid layer: the homeowner binds the garage charger to the sandbox server
/// (real TLS, real 2030.5) and sees it registered; the grid admin limits export and the owner's page shows it at
/// the next poll (demo poll 10 s), pushed without a reload.
/// </summary>
public sealed partial class GridBindingTests(PortalFixture portal)
{
    [Fact]
    public async Task The_owner_binds_the_garage_charger_and_sees_a_grid_limit_arrive_live()
    {
        var owner = await OpenAsAsync(portal, "owner@demo.kitu", "/chargers", 375, 812);
        var garage = owner.Locator("[data-testid='charger']", new() { HasText = "Garage charger" });
        var status = garage.Locator("[data-testid='grid-status']");
        if (!(await status.TextContentAsync())!.StartsWith("Not connected", StringComparison.Ordinal))
        {
            await garage.Locator("[data-testid='unbind']").ClickAsync(); // another test bound it first
            await AnswerConfirmAsync(owner);
        }

        await Assertions.Expect(status).ToHaveTextAsync("Not connected to the grid layer.");

        await garage.Locator("[data-testid='bind']").ClickAsync();
        await owner.Locator("#bind-pin").FillAsync("111115");
        await owner.Locator("#bind-confirm").ClickAsync();

        await Assertions.Expect(status).ToHaveTextAsync(RegisteredNoLimits(), new() { Timeout = 20_000 });
        var overflow = await owner.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The chargers page scrolls sideways by {overflow}px at 375px");
        await ScreenshotAsync(owner, "owner-chargers-registered");

        var admin = await OpenAsAsync(portal, "gridadmin@demo.kitu", "/grid/sandbox", 1280, 800);
        await Assertions.Expect(admin.Locator("#devices-table")).ToContainTextAsync("11.5 kW");
        await admin.Locator("#issue-limit").ClickAsync();
        await Assertions.Expect(admin.Locator("#controls-table")).ToContainTextAsync("Limit export 50 % for 10 min");

        await Assertions.Expect(status).ToContainTextAsync("Now: export limited to 50 % until", new() { Timeout = 25_000 });
        await ScreenshotAsync(owner, "owner-chargers-limited");
        await ScreenshotAsync(admin, "gridadmin-sandbox");
        await admin.Context.CloseAsync();
        await owner.Context.CloseAsync();
    }

    [GeneratedRegex(@"^Registered with Sandbox Utility \(SFDI [\d-]+\)\. Now: no limits from the grid\.$")]
    private static partial Regex RegisteredNoLimits();
}
