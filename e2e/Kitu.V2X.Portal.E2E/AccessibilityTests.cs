using System.Text.Json;
using static Kitu.V2X.Portal.E2E.PortalPages;

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// Every page, as each role sees it: no serious or critical accessibility violation (axe-core, WCAG 2 A and AA), and
/// nothing loaded from outside the portal (a closed network shows the same page).
/// </summary>
public sealed class AccessibilityTests(PortalFixture portal)
{
    private static readonly string Axe = Path.Combine(PortalFixture.RepositoryRoot(), "e2e", "node_modules", "axe-core", "axe.min.js");

    public static TheoryData<string?, string> Pages() => new()
    {
        { null, "/" }, { null, "/Account/Login" }, { null, "/Account/Register" }, { null, "/Account/ForgotPassword" },
        { "driver@demo.kitu", "/" }, { "driver@demo.kitu", "/now" }, { "driver@demo.kitu", "/cars" }, { "driver@demo.kitu", "/history" }, { "driver@demo.kitu", "/privacy" },
        { "driver@demo.kitu", "/Account/Manage" },
        { "owner@demo.kitu", "/" }, { "owner@demo.kitu", "/chargers" }, { "owner@demo.kitu", "/sites" },
        { "fleet@demo.kitu", "/" }, { "fleet@demo.kitu", "/fleet" },
        { "operator@demo.kitu", "/" }, { "operator@demo.kitu", "/dispatch" },
        { "gridadmin@demo.kitu", "/" }, { "gridadmin@demo.kitu", "/grid/servers" }, { "gridadmin@demo.kitu", "/grid/sandbox" }, { "gridadmin@demo.kitu", "/admin/accounts" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_page_has_no_serious_accessibility_violation_and_loads_nothing_from_outside(string? email, string path)
    {
        var page = await portal.NewPageAsync(375, 812);
        var outside = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(portal.BaseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal)
                && !request.Url.StartsWith("blob:", StringComparison.Ordinal) && !request.Url.StartsWith(portal.BaseUrl.Replace("http", "ws", StringComparison.Ordinal), StringComparison.Ordinal))
            {
                outside.Add(request.Url);
            }
        };
        if (email is not null)
        {
            await LoginAsync(page, email);
            await page.WaitForURLAsync(portal.BaseUrl + "/");
        }

        await page.GotoAsync(path);
        if (!path.StartsWith("/Account", StringComparison.Ordinal))
        {
            await WaitInteractiveAsync(page);
        }

        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.AddScriptTagAsync(new() { Path = Axe });
        var result = await page.EvaluateAsync<JsonElement>("async () => (await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })).violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))");
        var violations = result.EnumerateArray().Select(v => v.GetString()).ToList();

        Assert.True(violations.Count == 0, $"{email ?? "anonymous"} {path}:\n{string.Join("\n", violations)}");
        Assert.True(outside.Count == 0, $"{email ?? "anonymous"} {path} loaded from outside: {string.Join(", ", outside.Distinct())}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_api_reference_loads_nothing_from_outside()
    {
        var page = await portal.NewPageAsync(1280, 800);
        var outside = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(portal.BaseUrl, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal) && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                outside.Add(request.Url);
            }
        };

        await page.GotoAsync("/api/docs");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.True(outside.Count == 0, $"/api/docs loaded from outside: {string.Join(", ", outside.Distinct())}");
        await page.Context.CloseAsync();
    }
}
