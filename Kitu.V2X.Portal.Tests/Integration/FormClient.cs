using System.Net;
using System.Text.RegularExpressions;
using Kitu.V2X.Portal.Demo;

namespace Kitu.V2X.Portal.Tests.Integration;

/// <summary>Drives the static Identity forms over HTTP the way a browser would: GET, read the antiforgery token, POST.</summary>
public static partial class FormClient
{
    public static HttpClient CreateClient(PortalFactory factory) =>
        factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string handler, IDictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(path);
        var token = AntiforgeryToken().Match(page);
        Assert.True(token.Success, $"No antiforgery token on {path}");
        var form = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["_handler"] = handler,
        };
        return await client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    public static async Task<HttpResponseMessage> LoginAsync(HttpClient client, string email, string? password = null) =>
        await PostFormAsync(client, "/Account/Login", "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password ?? new DemoOptions().Password,
        });

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
