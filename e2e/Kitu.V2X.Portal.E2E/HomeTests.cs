using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>Each role's home is a live summary: what happens elsewhere shows there without a reload, on a phone and a desktop.</summary>
public sealed class HomeTests(PortalFixture portal)
{
    [Theory]
    [InlineData(375, 812)]
    [InlineData(1280, 800)]
    public async Task The_owners_home_follows_the_garage_charger_live(int width, int height)
    {
        var home = await OpenAsAsync(portal, "owner@demo.kitu", "/", width, height);
        await Assertions.Expect(home.Locator("[data-testid='home-owner'][data-loaded='true']")).ToBeVisibleAsync();
        var grid = home.Locator("[data-testid='home-charger']", new() { HasText = "Garage charger" }).Locator("[data-testid='home-charger-grid']");
        await Assertions.Expect(grid).Not.ToBeEmptyAsync();

        await EnsureGarageReadyAsync(portal); // bound and allowed, in another tab

        await Assertions.Expect(grid).ToContainTextAsync("Registered with Sandbox Utility", new() { Timeout = 20_000 });
        await Assertions.Expect(home.Locator("[data-testid='home-charger']", new() { HasText = "Garage charger" })).ToContainTextAsync("discharge allowed");
        await ScreenshotAsync(home, $"home-owner-live-{width}");
        await home.Context.CloseAsync();
    }

    [Fact]
    public async Task The_operators_home_shows_an_event_in_force_when_it_is_dispatched_elsewhere()
    {
        await EnsureGarageReadyAsync(portal);
        var home = await OpenAsAsync(portal, "operator@demo.kitu", "/", 375, 812);
        await Assertions.Expect(home.Locator("[data-testid='home-operator'][data-loaded='true']")).ToBeVisibleAsync();

        var dispatch = await DispatchEveningPeakAsync(portal);

        await Assertions.Expect(home.Locator("[data-testid='home-event']", new() { HasText = "Evening Peak" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(home.Locator("[data-testid='home-event-achieved']").First).ToContainTextAsync("kW");
        await ScreenshotAsync(home, "home-operator-live");
        await dispatch.Context.CloseAsync();
        await home.Context.CloseAsync();
    }

    [Fact]
    public async Task The_drivers_home_says_where_the_car_is_and_what_it_may_do()
    {
        await EnsureGarageReadyAsync(portal);
        var home = await OpenAsAsync(portal, "driver@demo.kitu", "/", 375, 812);

        var car = home.Locator("[data-testid='home-car']", new() { HasText = "Dana's car" });
        await Assertions.Expect(car.Locator("[data-testid='home-car-where']")).ToHaveTextAsync("Plugged in at Garage charger", new() { Timeout = 15_000 });
        await Assertions.Expect(car.Locator("[data-testid='home-car-soc']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ %$"));
        await Assertions.Expect(car.Locator("[data-testid='home-car-programs']")).ToContainTextAsync("Evening Peak");
        await ScreenshotAsync(home, "home-driver-live");
        await home.Context.CloseAsync();
    }
}
