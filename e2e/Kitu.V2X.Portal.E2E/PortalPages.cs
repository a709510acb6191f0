namespace Kitu.V2X.Portal.E2E;

/// <summary>Steps a person takes, written once for every e2e test.</summary>
public static class PortalPages
{
    public const string DemoPassword = "Demo!2030.5";

    /// <summary>
    /// How long a first discharge may take to show at full power: after an earlier test's cease to energize the garage
    /// charger sees the end within one 10 s poll, then waits out the sandbox utility's enter-service delay (10 s) and
    /// ramps up over 5 s (IEEE 1547 §4.10), and the page shows the power from its next status.
    /// </summary>
    public static readonly float FirstDischargeTimeoutMs = 45_000;

    public static async Task LoginAsync(IPage page, string email, string password = DemoPassword)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
    }

    /// <summary>A new page of the given size, signed in as <paramref name="email"/>, on <paramref name="path"/> and interactive.</summary>
    public static async Task<IPage> OpenAsAsync(PortalFixture portal, string email, string path, int width = 375, int height = 812)
    {
        var page = await portal.NewPageAsync(width, height);
        await LoginAsync(page, email);
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await page.GotoAsync(path);
        await WaitInteractiveAsync(page);
        return page;
    }

    /// <summary>Waits until the MudBlazor shell is interactive, so clicks are handled by the circuit.</summary>
    public static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("#app-shell[data-interactive='true']").WaitForAsync();

    /// <summary>As the demo homeowner: the garage charger bound to the sandbox server and discharge allowed.</summary>
    public static async Task EnsureGarageReadyAsync(PortalFixture portal)
    {
        var owner = await OpenAsAsync(portal, "owner@demo.kitu", "/chargers", 1280, 800);
        var garage = owner.Locator("[data-testid='charger']", new() { HasText = "Garage charger" });
        var status = garage.Locator("[data-testid='grid-status']");
        if ((await status.TextContentAsync())!.Contains("Not connected", StringComparison.Ordinal))
        {
            await garage.Locator("[data-testid='bind']").ClickAsync();
            await owner.Locator("#bind-pin").FillAsync("111115");
            await owner.Locator("#bind-confirm").ClickAsync();
        }

        await Assertions.Expect(status).ToContainTextAsync("Registered with Sandbox Utility", new() { Timeout = 20_000 });
        await Assertions.Expect(owner.Locator("#bind-panel")).ToHaveCountAsync(0); // the panel closes after binding and the cards move up
        var allow = garage.GetByLabel("Allow discharge");
        if (!await allow.IsCheckedAsync())
        {
            await allow.ClickAsync();
        }

        await Assertions.Expect(allow).ToBeCheckedAsync();
        await owner.Context.CloseAsync();
    }

    /// <summary>
    /// As the demo driver (already logged in on <paramref name="driver"/>): no departure plan, so whether the car may
    /// discharge does not depend on the hour the tests run at (the demo car leaves at 07:30 on weekdays at 80 %; just
    /// before then it is refused, rightly).
    /// </summary>
    public static async Task ClearDeparturesAsync(IPage driver)
    {
        await driver.GotoAsync("/cars");
        await WaitInteractiveAsync(driver);
        await driver.Locator("[data-testid='car-settings']").First.ClickAsync();
        await WaitInteractiveAsync(driver);
        foreach (var day in new[] { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" })
        {
            var box = driver.GetByLabel(day, new() { Exact = true });
            if (await box.IsCheckedAsync())
            {
                await box.ClickAsync();
                await Assertions.Expect(box).Not.ToBeCheckedAsync();
            }
        }

        await driver.Locator("#settings-save").ClickAsync();
        await Assertions.Expect(driver.Locator("[data-testid='settings-saved']")).ToBeVisibleAsync();
    }

    /// <summary>As the demo utility operator: cancel its event in force, if any, so the cars are free for another test.</summary>
    public static async Task CancelUtilityEventAsync(PortalFixture portal)
    {
        var page = await OpenAsAsync(portal, "operator@demo.kitu", "/dispatch", 1280, 800);
        // The shell turns interactive before the programs have loaded: counting the cancel buttons then would find none
        // and leave the event in force (the cars then refuse the next test's program as busy with this one).
        await page.Locator("[data-testid='program']").First.WaitForAsync();
        var cancel = page.Locator("[data-testid='cancel-event']");
        while (await cancel.CountAsync() > 0)
        {
            var before = await cancel.CountAsync();
            await cancel.First.ClickAsync();
            await AnswerConfirmAsync(page);
            await Assertions.Expect(cancel).ToHaveCountAsync(before - 1);
        }

        await page.Context.CloseAsync();
    }

    /// <summary>
    /// As the demo operator: dispatch "Evening Peak" now (5 kW, 30 min), replacing an event of it still in force (an
    /// earlier test's); returns the page for the monitor.
    /// </summary>
    public static async Task<IPage> DispatchEveningPeakAsync(PortalFixture portal)
    {
        var page = await OpenAsAsync(portal, "operator@demo.kitu", "/dispatch", 1280, 800);
        var program = page.Locator("[data-testid='program']", new() { HasText = "Evening Peak" });
        await DispatchReplacingAsync(program);
        await Assertions.Expect(program.Locator("[data-testid='monitor-commands']")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Clicks "Dispatch now"; when the page asks about an event in force, replaces it.</summary>
    public static async Task DispatchReplacingAsync(ILocator program)
    {
        // Whether an event is in force is the page's to say once it has loaded (reading it before could miss it, and the
        // question would go unanswered): after the click, the page either asks, or dispatches at once.
        await program.Locator("[data-testid='dispatch-now']").ClickAsync();
        var replace = program.Locator("[data-testid='dispatch-replace']");
        try
        {
            await Assertions.Expect(replace).ToBeVisibleAsync(new() { Timeout = 3_000 });
        }
        catch (PlaywrightException)
        {
            return; // no event in force: dispatched without a question
        }

        await replace.ClickAsync();
        await Assertions.Expect(replace).Not.ToBeVisibleAsync();
    }

    /// <summary>Answers the confirmation dialog an action opened: confirm, or cancel.</summary>
    public static async Task AnswerConfirmAsync(IPage page, bool confirm = true)
    {
        var dialog = page.Locator("[data-testid='confirm-message']");
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await page.Locator(confirm ? "[data-testid='confirm-ok']" : "[data-testid='confirm-cancel']").ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
    }

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalFixture.ArtifactsDirectory, name + ".png"), FullPage = true });

    /// <summary>The page fits its viewport's width: nothing to scroll sideways to.</summary>
    public static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"{page.Url} scrolls sideways by {overflow}px at {page.ViewportSize?.Width}px");
    }
}
