using System.Security.Claims;
using Bunit;
using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Components.Pages.Home;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Summaries;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Components;

/// <summary>Each role's home: its own section only, its live summary and next action (the read model stubbed).</summary>
public sealed class HomeTests : ComponentTestBase
{
    private readonly StubSummaries summaries = new();

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IRoleSummaries>(summaries);
        services.AddSingleton<MediatorNotifier>();
        services.AddSingleton<GridRulesFeed>();
    }

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

    [Fact]
    public void The_driver_sees_the_car_where_it_is_its_charge_programs_and_the_months_pay()
    {
        Auth.SetAuthorized("driver@example.test").SetRoles(PortalRoles.Driver);
        var car = new CarNow(Guid.NewGuid(), "Dana's car", "KITU-1", true, 40, Guid.NewGuid(), "Garage charger", 72, 0, null, null, TimeZoneInfo.Utc);
        summaries.Driver = new DriverSummary([(car, ["Evening Peak"])], 3.5, Kitu.V2X.Portal.Presentation.Money.Format(0.88m, "EUR"), TimeZoneInfo.Utc);

        var cut = Render<Home>();

        Assert.Equal("Plugged in at Garage charger", cut.Find("[data-testid='home-car-where']").TextContent);
        Assert.Equal("72 %", cut.Find("[data-testid='home-car-soc']").TextContent);
        Assert.Contains("Waiting for an event; it may discharge down to 40 %", cut.Find("[data-testid='home-car-state']").TextContent, StringComparison.Ordinal);
        Assert.Contains("Evening Peak", cut.Find("[data-testid='home-car-programs']").TextContent, StringComparison.Ordinal);
        Assert.Contains("3.5 kWh given back, earning €0.88", cut.Find("[data-testid='home-driver-month']").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("}", string.Concat(cut.Nodes.Select(n => n.TextContent)), StringComparison.Ordinal); // no code leaks into the page (a stray brace once did)
    }

    [Fact]
    public void The_owner_sees_each_sites_totals_and_what_needs_a_look()
    {
        Auth.SetAuthorized("fleet@example.test").SetRoles(PortalRoles.SiteOwner);
        var site = Guid.NewGuid();
        summaries.Owner = new OwnerSummary(
            [new OwnerSite(site, "Depot lot", SiteKind.Private, TimeZoneInfo.Utc, 6, 5, 20, 4.2, ["Bay 3 (Van 3): Van 3 is at 33 %, at or below the 35 % floor."])],
            [new OwnerCharger(Guid.NewGuid(), "Bay 1", site, "Registered with Sandbox Utility.", true, true, true, -5)]);

        var cut = Render<Home>();

        Assert.Equal("20.0", cut.Find("[data-testid='home-site-kw']").TextContent);
        Assert.Contains("Van 3 is at 33 %", cut.Find("[data-testid='home-site-attention']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_operator_sees_the_event_in_force_against_its_target()
    {
        Auth.SetAuthorized("op@example.test").SetRoles(PortalRoles.ProgramOperator);
        var now = DateTimeOffset.UtcNow;
        summaries.Operator = new OperatorSummary(1, 0, [new OperatorEvent(Guid.NewGuid(), "Evening Peak", now.AddMinutes(-5), now.AddMinutes(25), null, 10, 7, 0.5, 2, 1)], [], []);

        var cut = Render<Home>();

        Assert.Equal("7.0 kW of the 10.0 kW asked; 2 cars discharging, 1 refused", cut.Find("[data-testid='home-event-achieved']").TextContent);
    }

    [Fact]
    public void The_grid_admin_sees_each_servers_chargers_integrated()
    {
        Auth.SetAuthorized("admin@example.test").SetRoles(PortalRoles.GridAdmin);
        summaries.GridAdmin = new GridAdminSummary([new ServerStatus("Sandbox Utility", "Sandbox Utility (demo)", true, null, null, 6, 5, 1)]);

        var cut = Render<Home>();

        Assert.Equal("5", cut.Find("[data-testid='home-server-integrated']").TextContent);
    }

    private sealed class StubSummaries : IRoleSummaries
    {
        public DriverSummary Driver { get; set; } = new([], 0, "$0.00", TimeZoneInfo.Utc);

        public OwnerSummary Owner { get; set; } = new([], []);

        public OperatorSummary? Operator { get; set; } = new(0, 0, [], [], []);

        public GridAdminSummary GridAdmin { get; set; } = new([]);

        public Task<DriverSummary> DriverAsync(string driverId, CancellationToken ct) => Task.FromResult(Driver);

        public Task<OwnerSummary> OwnerAsync(string ownerId, CancellationToken ct) => Task.FromResult(Owner);

        public Task<OperatorSummary?> OperatorAsync(string userId, CancellationToken ct) => Task.FromResult(Operator);

        public Task<GridAdminSummary> GridAdminAsync(CancellationToken ct) => Task.FromResult(GridAdmin);
    }
}
