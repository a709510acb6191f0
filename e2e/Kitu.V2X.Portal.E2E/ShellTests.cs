using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

public sealed class ShellTests(PortalFixture portal)
{
    [Theory]
    [InlineData("driver@demo.kitu", "home-driver")]
    [InlineData("owner@demo.kitu", "home-owner")]
    [InlineData("fleet@demo.kitu", "home-owner")]
    [InlineData("operator@demo.kitu", "home-operator")]
    [InlineData("gridadmin@demo.kitu", "home-gridadmin")]
    public async Task Each_demo_role_logs_in_and_lands_on_its_home(string email, string section)
    {
        var page = await portal.NewPageAsync(1280, 800);

        await LoginAsync(page, email);

        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await WaitInteractiveAsync(page);
        Assert.True(await page.Locator($"[data-testid='{section}']").IsVisibleAsync());
        Assert.Equal(email, (await page.Locator("#signed-in-as").TextContentAsync())?.Trim());
        await ScreenshotAsync(page, $"home-{email.Split('@')[0]}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_login_page_lists_the_demo_accounts_in_demo_mode()
    {
        var page = await portal.NewPageAsync(1280, 800);

        await page.GotoAsync("/Account/Login");

        var demo = await page.Locator("#demo-accounts").TextContentAsync();
        Assert.Contains("driver@demo.kitu", demo, StringComparison.Ordinal);
        Assert.Contains(PortalPages.DemoPassword, demo, StringComparison.Ordinal);
        await ScreenshotAsync(page, "login");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Navigation_works_on_a_375px_phone()
    {
        var page = await portal.NewPageAsync(375, 812);
        await LoginAsync(page, "gridadmin@demo.kitu");
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await WaitInteractiveAsync(page);

        var drawerLink = page.Locator("#nav-drawer a[href='/admin/accounts']");
        Assert.False(await drawerLink.IsVisibleAsync());
        await page.ClickAsync("#nav-toggle");
        await drawerLink.ClickAsync();

        await page.WaitForURLAsync(portal.BaseUrl + "/admin/accounts");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Accounts", Level = 1 }).WaitForAsync();
        await page.WaitForFunctionAsync("!document.querySelector('#nav-drawer').classList.contains('mud-drawer--open')");
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The page scrolls sideways by {overflow}px at 375px");
        await ScreenshotAsync(page, "phone-accounts");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_theme_switches_between_light_and_dark()
    {
        var page = await portal.NewPageAsync(1280, 800);
        await LoginAsync(page, "driver@demo.kitu");
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await WaitInteractiveAsync(page);
        const string background = "getComputedStyle(document.body).backgroundColor";
        var before = await page.EvaluateAsync<string>(background);

        await page.ClickAsync("#theme-toggle");

        await page.WaitForFunctionAsync($"{background} !== '{before}'");
        var after = await page.EvaluateAsync<string>(background);
        Assert.NotEqual(before, after);
        await page.Context.CloseAsync();
    }
}
