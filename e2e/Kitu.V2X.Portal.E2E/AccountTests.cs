using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

public sealed class AccountTests(PortalFixture portal)
{
    private const string Password = "Str0ng-enough!";

    [Fact]
    public async Task A_new_driver_registers_and_logs_in()
    {
        var email = $"new.driver.{Guid.NewGuid():N}@example.test";
        var page = await portal.NewPageAsync();

        await RegisterAsync(page, email, "Driver");
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await WaitInteractiveAsync(page);
        Assert.True(await page.Locator("[data-testid='home-driver']").IsVisibleAsync());

        await page.Context.ClearCookiesAsync();
        await LoginAsync(page, email, Password);
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await page.Locator("[data-testid='home-driver']").WaitForAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_with_a_clear_message()
    {
        var email = $"locked.{Guid.NewGuid():N}@example.test";
        var page = await portal.NewPageAsync();
        await RegisterAsync(page, email, "SiteOwner");
        await page.WaitForURLAsync(portal.BaseUrl + "/");
        await page.Context.ClearCookiesAsync();

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
