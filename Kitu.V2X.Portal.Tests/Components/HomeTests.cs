using System.Security.Claims;
using Bunit;
using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Components.Pages.Home;
using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Tests.Components;

public sealed class HomeTests : ComponentTestBase
{
    [Fact]
    public void An_anonymous_visitor_sees_what_the_portal_is_and_a_login_button()
    {
        var cut = Render<Home>();

        Assert.NotNull(cut.Find("#landing-login"));
        Assert.Contains("safe for the grid", cut.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PortalRoles.Driver, "home-driver")]
    [InlineData(PortalRoles.SiteOwner, "home-owner")]
    [InlineData(PortalRoles.ProgramOperator, "home-operator")]
    [InlineData(PortalRoles.GridAdmin, "home-gridadmin")]
    public void Each_role_lands_on_its_own_home_section_only(string role, string section)
    {
        Auth.SetAuthorized("someone@example.test").SetRoles(role);

        var cut = Render<Home>();

        Assert.Single(cut.FindAll($"[data-testid='{section}']"));
        string[] all = ["home-driver", "home-owner", "home-operator", "home-gridadmin"];
        Assert.All(all.Where(s => s != section), other => Assert.Empty(cut.FindAll($"[data-testid='{other}']")));
    }

    [Fact]
    public void Greets_by_display_name_when_the_account_has_one()
    {
        Auth.SetAuthorized("dana@example.test").SetRoles(PortalRoles.Driver)
            .SetClaims(new Claim(PortalClaimsPrincipalFactory.DisplayNameClaim, "Dana"));

        var cut = Render<Home>();

        Assert.Equal("Welcome, Dana", cut.Find("h1").TextContent.Trim());
    }

    [Fact]
    public void An_account_without_a_role_is_told_how_to_get_one()
    {
        Auth.SetAuthorized("nobody@example.test");

        var cut = Render<Home>();

        Assert.Contains("has no role yet", cut.Find("[data-testid='home-norole']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_driver_empty_state_explains_the_next_step()
    {
        Auth.SetAuthorized("driver@example.test").SetRoles(PortalRoles.Driver);

        var cut = Render<Home>();

        var empty = cut.Find("[data-testid='driver-empty']").TextContent;
        Assert.Contains("Add your car", empty, StringComparison.Ordinal);
        Assert.Contains("floor", empty, StringComparison.Ordinal);
    }
}
