using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>Destructive and grid-wide actions ask first, naming what they affect; Cancel changes nothing.</summary>
public sealed class ConfirmationTests(PortalFixture portal)
{
    [Fact]
    public async Task Unbinding_asks_first_and_cancel_keeps_the_charger_bound()
    {
        await EnsureGarageReadyAsync(portal);
        var owner = await OpenAsAsync(portal, "owner@demo.kitu", "/chargers");
        var garage = owner.Locator("[data-testid='charger']", new() { HasText = "Garage charger" });

        await garage.Locator("[data-testid='unbind']").ClickAsync();

        await Assertions.Expect(owner.Locator("[data-testid='confirm-message']")).ToContainTextAsync("Garage charger stops receiving grid rules from Sandbox Utility");
        await ScreenshotAsync(owner, "owner-confirm-unbind");
        await AnswerConfirmAsync(owner, confirm: false);
        await Assertions.Expect(garage.Locator("[data-testid='grid-status']")).ToContainTextAsync("Registered with Sandbox Utility");
        await owner.Context.CloseAsync();
    }

    [Fact]
    public async Task Cancelling_an_event_asks_first_and_cancel_keeps_it_in_force()
    {
        var page = await DispatchEveningPeakAsync(portal);
        var program = page.Locator("[data-testid='program']", new() { HasText = "Evening Peak" });
        var cancel = program.Locator("[data-testid='cancel-event']");
        await Assertions.Expect(cancel).ToBeVisibleAsync();

        await cancel.ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid='confirm-message']")).ToContainTextAsync("Every car discharging for Evening Peak now stops");
        await AnswerConfirmAsync(page, confirm: false);
        await Assertions.Expect(cancel).ToBeVisibleAsync();
        await Assertions.Expect(program.Locator("[data-testid='event-heading']")).Not.ToContainTextAsync("cancelled");
        await page.Context.CloseAsync();
        await CancelUtilityEventAsync(portal);
    }
}
