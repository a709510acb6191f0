using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

public sealed class AccountTests(PortalFixture portal)
{
    private const string Password = "Str0ng-enough!";

    [Theory]
    [InlineData(375, 812)]
    [InlineData(1280, 800)]
    public async Task The_account_pages_are_the_app_s_own_with_nothing_that_does_not_apply(int width, int height)
    {
        var page = await portal.NewPageAsync(width, height);
        foreach (var path in new[] { "/Account/Login", "/Account/Register", "/Account/ForgotPassword" })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator(".mud-appbar")).ToContainTextAsync("Kitu V2X");
            await Assertions.Expect(page.Locator(".kitu-account")).ToBeVisibleAsync();
            var text = await page.Locator("body").InnerTextAsync();
            Assert.DoesNotContain("external", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("another service", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Resend email confirmation", text, StringComparison.Ordinal); // the demo does not ask for confirmation
            Assert.Equal(0, await page.Locator("link[href*='bootstrap']").CountAsync());
            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"{path} scrolls sideways by {overflow}px at {width}px");
        }

        await page.GotoAsync("/Account/Login");
        await ScreenshotAsync(page, $"account-login-{width}");
        await LoginAsync(page, "driver@demo.kitu");
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await page.GotoAsync("/Account/Manage");
        await Assertions.Expect(page.Locator(".kitu-account .nav-link.active")).ToHaveTextAsync("Profile");
        await Assertions.Expect(page.Locator(".mud-appbar")).ToContainTextAsync("Back to the portal");
        await ScreenshotAsync(page, $"account-manage-{width}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_new_driver_registers_and_logs_in()
    {
        var email = $"new.driver.{Guid.NewGuid():N}@example.test";
        var page = await portal.NewPageAsync();

        await RegisterAsync(page, email, "Driver");
        await page.WaitForURLAsync("**/Account/Login**");
        await Assertions.Expect(page.GetByText($"Your account for {email} is ready")).ToBeVisibleAsync();

        await LoginAsync(page, email, Password);
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await page.Locator("[data-testid='home-driver']").WaitForAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Registering_an_address_that_has_an_account_answers_as_for_a_new_one()
    {
        var page = await portal.NewPageAsync();

        await RegisterAsync(page, "driver@demo.kitu", "Driver");

        await page.WaitForURLAsync("**/Account/Login**");
        await Assertions.Expect(page.GetByText("Your account for driver@demo.kitu is ready")).ToBeVisibleAsync();
        Assert.DoesNotContain("taken", await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_with_a_clear_message()
    {
        var email = $"locked.{Guid.NewGuid():N}@example.test";
        var page = await portal.NewPageAsync();
        await RegisterAsync(page, email, "SiteOwner");
        await page.WaitForURLAsync("**/Account/Login**");

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await LoginAsync(page, email, "wrong-password");
            await page.GetByText("Invalid login attempt").WaitForAsync();
        }

        await LoginAsync(page, email, "wrong-password");
        await page.WaitForURLAsync("**/Account/Lockout");
        Assert.Contains("locked for 5 minutes", await page.Locator("#lockout-message").TextContentAsync(), StringComparison.Ordinal);

        // Even the right password is refused while locked.
        await LoginAsync(page, email, Password);
        await page.WaitForURLAsync("**/Account/Lockout");
        await ScreenshotAsync(page, "lockout");
        await page.Context.CloseAsync();
    }

    private static async Task RegisterAsync(IPage page, string email, string role)
    {
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", Password);
        await page.FillAsync("input[name='Input.ConfirmPassword']", Password);
        await page.CheckAsync($"[id='Input.Role.{role}']");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();
    }
}
