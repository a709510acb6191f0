using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// A car maker's program, run by the car (seed A.2.2): the demo OEM asks for a total of 10 kW from its phone; the
/// commands travel over the maker's simulated telematics link to the depot vans, which discharge through their
/// grid-integrated chargers, sharing the total out; the monitor fills and the chart draws achieved kW against the target.
/// </summary>
public sealed class CarMakerTests(PortalFixture portal)
{
    [Fact]
    public async Task A_car_maker_asks_for_a_total_the_cars_share_it_out_and_the_monitor_charts_it()
    {
        await CancelUtilityEventAsync(portal); // the vans' first program is the utility's: free them from other tests' events
        var page = await OpenAsAsync(portal, "oem@demo.kitu", "/dispatch", 375, 812);
        var program = page.Locator("[data-testid='program']", new() { HasText = "Kitu Drive-to-Grid" });
        await Assertions.Expect(program.Locator("[data-testid='executor']")).ToContainTextAsync("run by the car");

        try
        {
            await program.Locator("[data-testid='dispatch-mode']").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "kW in total" }).ClickAsync();
            var kw = program.Locator("input[data-testid='dispatch-kw'], [data-testid='dispatch-kw'] input");
            await kw.FillAsync("10");
            await kw.PressAsync("Tab");
            await DispatchReplacingAsync(program);

            await Assertions.Expect(program.Locator("[data-testid='event-heading']")).ToContainTextAsync("10 kW in total", new() { Timeout = 10_000 });
            // Which vans take part depends on what else runs (another test's utility event comes first for them);
            // what must hold: cars discharge for it, and together never more than the 10 kW asked for.
            var summary = program.Locator("[data-testid='monitor-summary']");
            try
            {
                await Assertions.Expect(summary).ToContainTextAsync(new System.Text.RegularExpressions.Regex("[1-9][0-9]* discharging"), new() { Timeout = 20_000 });
            }
            catch (PlaywrightException e)
            {
                // Say why the cars refused: the reasons are what tells a real fault from another test's leftovers.
                var refusals = await program.Locator("[data-testid='monitor-refusal']").AllTextContentsAsync();
                throw new Xunit.Sdk.XunitException($"{e.Message}\nrefusals:\n{string.Join("\n", refusals)}");
            }
            var achieved = System.Text.RegularExpressions.Regex.Match((await summary.TextContentAsync())!, "([0-9.]+) kW achieved");
            Assert.True(achieved.Success && double.Parse(achieved.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 10.01, $"achieved: {achieved.Value}");
            await Assertions.Expect(program.Locator("[data-testid='monitor-commands']")).ToContainTextAsync("Running");
            await Assertions.Expect(program.Locator("[data-testid='monitor-chart'] svg").First).ToBeVisibleAsync(new() { Timeout = 15_000 });
            await ScreenshotAsync(page, "car-maker-total-target");
        }
        finally
        {
            // Leave the cars to the other tests: the event ends, and every car stops.
            var cancel = program.Locator("[data-testid='cancel-event']");
            if (await cancel.CountAsync() > 0)
            {
                await cancel.ClickAsync();
                await AnswerConfirmAsync(page);
                await Assertions.Expect(program.Locator("[data-testid='event-heading']")).ToContainTextAsync("cancelled", new() { Timeout = 10_000 });
            }
        }

        await Assertions.Expect(program.Locator("[data-testid='monitor-summary']")).ToContainTextAsync("0 discharging", new() { Timeout = 10_000 });
        await page.Context.CloseAsync();
    }
}
