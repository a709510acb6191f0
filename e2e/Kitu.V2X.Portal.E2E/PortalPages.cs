namespace Kitu.V2X.Portal.E2E;

/// <summary>Steps a person takes, written once for every e2e test.</summary>
public static class PortalPages
{
    public const string DemoPassword = "Demo!2030.5";

    public static async Task LoginAsync(IPage page, string email, string password = DemoPassword)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("input[name='Input.Email']", email);
        await page.FillAsync("input[name='Input.Password']", password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
    }

    /// <summary>Waits until the MudBlazor shell is interactive, so clicks are handled by the circuit.</summary>
    public static Task WaitInteractiveAsync(IPage page) =>
        page.Locator("#app-shell[data-interactive='true']").WaitForAsync();

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalFixture.ArtifactsDirectory, name + ".png"), FullPage = true });
}
