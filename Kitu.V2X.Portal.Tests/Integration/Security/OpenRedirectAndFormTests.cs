using System.Net;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>Requests that once answered 500: a return URL on another site, passkey options without the form's token.</summary>
public sealed class OpenRedirectAndFormTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/x")]
    [InlineData("http://localhost.evil.example/")]
    public async Task A_login_with_a_return_url_on_another_site_goes_home_not_there(string returnUrl)
    {
        var client = FormClient.CreateClient(portal);

        var response = await FormClient.PostFormAsync(client, $"/Account/Login?ReturnUrl={Uri.EscapeDataString(returnUrl)}", "login", new Dictionary<string, string>
        {
            ["Input.Email"] = Demo.DemoAccounts.Driver.Email,
            ["Input.Password"] = new Demo.DemoOptions().Password,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.DoesNotContain("evil", location, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/Account/PasskeyRequestOptions")]
    [InlineData("/Account/PasskeyCreationOptions")]
    public async Task Passkey_options_without_the_forms_token_are_a_400(string path)
    {
        var response = await portal.CreateClient().PostAsync(path, null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/Account/LoginWith2fa")]
    [InlineData("/Account/LoginWithRecoveryCode")]
    public async Task The_second_factor_pages_without_a_first_step_send_to_the_login_page(string path)
    {
        var response = await FormClient.CreateClient(portal).GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }
}
