using System.Diagnostics;
using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>The driver on a 375 px phone: floor, programs, a refusal in plain words, discharge, stop, history.</summary>
public sealed class DriverTests(PortalFixture portal)
{
    [Fact]
    public async Task The_driver_raises_the_floor_is_refused_lowers_it_discharges_stops_and_sees_the_history()
    {
        await EnsureGarageReadyAsync(portal);
        var driver = await portal.NewPageAsync(375, 812);
        await LoginAsync(driver, "driver@demo.kitu");
        await driver.WaitForURLAsync(portal.BaseUrl + "/");
        await ClearDeparturesAsync(driver);

        await driver.GotoAsync("/cars");
        await WaitInteractiveAsync(driver);
        await driver.Locator("[data-testid='car-programs']").First.ClickAsync();
        var program = driver.Locator("[data-testid='program-entry']", new() { HasText = "Evening Peak" });
        await Assertions.Expect(program.Locator("[data-testid='leave'], [data-testid='enroll']")).ToBeVisibleAsync();
        if (await program.Locator("[data-testid='leave']").CountAsync() > 0)
        {
            await program.Locator("[data-testid='leave']").ClickAsync();
            await Assertions.Expect(program.Locator("[data-testid='enroll']")).ToBeVisibleAsync();
        }

        await program.Locator("[data-testid='enroll']").ClickAsync();
        await Assertions.Expect(program).ToContainTextAsync("Enrolled · #"); // after its other programs (the car maker's is #2)
        await ScreenshotAsync(driver, "driver-programs");

        await SetFloorAsync(driver, 80);
        await ScreenshotAsync(driver, "driver-settings");

        var operatorPage = await DispatchEveningPeakAsync(portal);
        await driver.GotoAsync("/now");
        await WaitInteractiveAsync(driver);
        var car = driver.Locator("[data-testid='car-now']");
        await Assertions.Expect(car.Locator("[data-testid='car-refused']")).ToContainTextAsync("below your 80 % floor", new() { Timeout = 15_000 });
        await ScreenshotAsync(driver, "driver-now-refused");

        await SetFloorAsync(driver, 30);
        await driver.GotoAsync("/now");
        await WaitInteractiveAsync(driver);
        var power = car.Locator("[data-testid='car-power']");
        await Assertions.Expect(power).ToHaveTextAsync("−5.0 kW", new() { Timeout = FirstDischargeTimeoutMs });
        await Assertions.Expect(car.Locator("[data-testid='car-acked']")).ToBeVisibleAsync();

        var clock = Stopwatch.StartNew();
        await car.Locator("[data-testid='stop-now']").ClickAsync();
        await Assertions.Expect(power).ToHaveTextAsync("0 kW", new() { Timeout = 5_000 });
        clock.Stop();
        await Assertions.Expect(car.Locator("[data-testid='car-ended']")).ToContainTextAsync("You stopped discharging.");
        await File.WriteAllTextAsync(Path.Combine(PortalFixture.ArtifactsDirectory, "stop-to-ack-ms.txt"), $"{clock.ElapsedMilliseconds}\n", TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage($"Stop tapped → the charger's confirmation on the page: {clock.ElapsedMilliseconds} ms");

        await driver.GotoAsync("/history");
        await WaitInteractiveAsync(driver);
        await Assertions.Expect(driver.Locator("[data-testid='history-table']")).ToContainTextAsync("stopped — You stopped discharging.");
        await Assertions.Expect(driver.Locator("[data-testid='history-table']")).ToContainTextAsync("below your 80 % floor");
        var overflow = await driver.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The history page scrolls sideways by {overflow}px at 375px");
        await ScreenshotAsync(driver, "driver-history");
        await operatorPage.Context.CloseAsync();
        await driver.Context.CloseAsync();
    }

    private static async Task SetFloorAsync(IPage driver, int percent)
    {
        await driver.GotoAsync("/cars");
        await WaitInteractiveAsync(driver);
        await driver.Locator("[data-testid='car-settings']").First.ClickAsync();
        await WaitInteractiveAsync(driver);
        await driver.Locator($"[data-testid='floor-{percent}']").ClickAsync();
        await Assertions.Expect(driver.Locator("[data-testid='floor-value']")).ToHaveTextAsync($"{percent} %");
        await driver.Locator("#settings-save").ClickAsync();
        await Assertions.Expect(driver.Locator("[data-testid='settings-saved']")).ToBeVisibleAsync();
    }
}
