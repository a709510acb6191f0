using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// The five-minute demo, steps 1–4, in a real browser against virtual EVSEs on real SignalR connections: the owner
/// binds the garage charger and allows discharge; the operator dispatches; the driver's phone shows −5.0 kW and the
/// SoC falling, pushed live; "Stop discharging now" stops it.
/// </summary>
public sealed class DemoTests(PortalFixture portal)
{
    [Fact]
    public async Task An_operator_event_makes_the_demo_car_discharge_and_the_driver_sees_it_live_then_stops_it()
    {
        await EnsureGarageReadyAsync(portal);

        var driver = await portal.NewPageAsync(375, 812);
        await LoginAsync(driver, "driver@demo.kitu");
        await driver.WaitForURLAsync(portal.BaseUrl + "/");
        await ClearDeparturesAsync(driver);
        await driver.GotoAsync("/now");
        await WaitInteractiveAsync(driver);
        var car = driver.Locator("[data-testid='car-now']");
        await Assertions.Expect(car.Locator("[data-testid='car-where']")).ToContainTextAsync("Plugged in at Garage charger", new() { Timeout = 15_000 });

        var operatorPage = await DispatchEveningPeakAsync(portal);
        await Assertions.Expect(operatorPage.Locator("[data-testid='monitor-commands']")).ToContainTextAsync("Garage charger", new() { Timeout = 15_000 });

        await Assertions.Expect(operatorPage.Locator("[data-testid='monitor-summary']").First).ToContainTextAsync(new System.Text.RegularExpressions.Regex("[1-9][0-9]* refused"), new() { Timeout = 15_000 });
        // The operator reads the outcomes by reason, in words written for operators.
        var outcomes = operatorPage.Locator("[data-testid='monitor-outcomes']").First;
        await Assertions.Expect(outcomes.Locator("[data-testid='outcome-row'][data-kind='Refused']").First).ToBeVisibleAsync();
        await Assertions.Expect(outcomes).Not.ToContainTextAsync("Your car");
        var power = car.Locator("[data-testid='car-power']");
        await Assertions.Expect(power).ToHaveTextAsync("−5.0 kW", new() { Timeout = FirstDischargeTimeoutMs });
        var soc = car.Locator("[data-testid='car-soc']");
        var before = await soc.TextContentAsync();
        await Assertions.Expect(soc).Not.ToHaveTextAsync(before!, new() { Timeout = 15_000 });
        await ScreenshotAsync(driver, "driver-now-discharging");
        await ScreenshotAsync(operatorPage, "operator-dispatch-monitor");

        await car.Locator("[data-testid='stop-now']").ClickAsync();
        await Assertions.Expect(power).ToHaveTextAsync("0 kW", new() { Timeout = 5_000 });
        await Assertions.Expect(car.Locator("[data-testid='stop-now']")).ToHaveCountAsync(0);

        // The fleet manager on a phone: the lot's totals on top, one compact row per bay, and each refused van with its reason.
        var fleet = await OpenAsAsync(portal, "fleet@demo.kitu", "/sites", 375, 812);
        await fleet.Locator("[data-testid='site']", new() { HasText = "Depot lot" }).Locator("[data-testid='open-site']").ClickAsync();
        await Assertions.Expect(fleet.Locator("[data-testid='lot-totals']")).ToBeVisibleAsync();
        var bays = fleet.Locator("[data-testid='lot-compact'] [data-testid='bay']");
        await Assertions.Expect(bays).ToHaveCountAsync(6);
        await Assertions.Expect(fleet.Locator("[data-testid='lot-table']")).Not.ToBeVisibleAsync();
        await Assertions.Expect(bays.Locator("[data-testid='bay-status']", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^Refused for Evening Peak: .+") }).First)
            .ToBeVisibleAsync(new() { Timeout = 15_000 });
        var lotHeight = await fleet.Locator("[data-testid='lot-compact']").EvaluateAsync<double>("e => e.getBoundingClientRect().height");
        // Compact: the cards this replaced took 3,000 px; a row is one line and its status one to three (a refusal's
        // reason wraps), so about 90 px a bay, up to 110 when several reasons are long.
        Assert.True(lotHeight < 6 * 110, $"six bays take {lotHeight:0} px on a phone");
        var overflow = await fleet.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The lot scrolls sideways by {overflow}px at 375px");
        await ScreenshotAsync(fleet, "fleet-lot-phone");
        await fleet.Context.CloseAsync();
        await driver.Context.CloseAsync();
        await operatorPage.Context.CloseAsync();
    }
}
