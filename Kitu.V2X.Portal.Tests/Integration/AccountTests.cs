using System.Net;
using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration;

public sealed class AccountTests : IAsyncLifetime
{
    private readonly PortalFactory factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demo_accounts_are_seeded_confirmed_with_their_roles()
    {
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();

        foreach (var account in DemoAccounts.All)
        {
            var user = await users.FindByEmailAsync(account.Email);
            Assert.NotNull(user);
            Assert.True(user.EmailConfirmed, account.Email);
            Assert.True(await users.IsInRoleAsync(user, account.Role), $"{account.Email} should be {account.Role}");
        }
    }

    [Fact]
    public async Task Login_page_lists_the_demo_accounts_in_demo_mode()
    {
        var page = await factory.CreateClient().GetStringAsync("/Account/Login", Ct);

        Assert.Contains("id=\"demo-accounts\"", page, StringComparison.Ordinal);
        Assert.All(DemoAccounts.All, a => Assert.Contains(a.Email, page, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_demo_account_logs_in_with_the_documented_password()
    {
        foreach (var account in DemoAccounts.All)
        {
            var client = FormClient.CreateClient(factory);
            var response = await FormClient.LoginAsync(client, account.Email);

            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task A_wrong_password_does_not_log_in()
    {
        var response = await FormClient.LoginAsync(FormClient.CreateClient(factory), DemoAccounts.Driver.Email, "wrong-password");
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Invalid login attempt", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Five_failed_logins_lock_the_account()
    {
        var client = FormClient.CreateClient(factory);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = await FormClient.LoginAsync(client, DemoAccounts.Fleet.Email, "not-the-password");
        }

        Assert.Equal(HttpStatusCode.Redirect, last!.StatusCode);
        Assert.EndsWith("Account/Lockout", last.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var withRightPassword = await FormClient.LoginAsync(FormClient.CreateClient(factory), DemoAccounts.Fleet.Email);
        Assert.EndsWith("Account/Lockout", withRightPassword.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registering_as_a_site_owner_grants_the_site_owner_role_only()
    {
        var response = await Register("new.owner@example.test", PortalRoles.SiteOwner);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var roles = await RolesOf("new.owner@example.test");
        Assert.Equal([PortalRoles.SiteOwner], roles);
    }

    [Theory]
    [InlineData(PortalRoles.GridAdmin)]
    [InlineData(PortalRoles.ProgramOperator)]
    public async Task Registration_cannot_choose_a_privileged_role(string role)
    {
        var response = await Register("sneaky@example.test", role);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Choose driver or site owner", body, StringComparison.Ordinal);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync("sneaky@example.test"));
    }

    [Fact]
    public async Task A_grid_admin_creates_an_operator_whose_one_time_password_works()
    {
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<AccountAdministration>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();

        Assert.Null(await admin.CreateOperatorAsync("North Grid Co", OperatorKind.Utility, Ct));
        var op = (await admin.OperatorsAsync(Ct)).Single(o => o.Name == "North Grid Co");
        Assert.False((await admin.CreateAsync("nobody@utility.test", "No operator", PortalRoles.ProgramOperator, Ct)).Succeeded);

        var result = await admin.CreateAsync("ops@utility.test", "Ops", PortalRoles.ProgramOperator, Ct, op.Id);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var user = await users.FindByEmailAsync("ops@utility.test");
        Assert.NotNull(user);
        Assert.Equal(op.Id, user.OperatorId);
        Assert.Equal("An operator named North Grid Co already exists.", await admin.CreateOperatorAsync("North Grid Co", OperatorKind.Cpo, Ct));
        Assert.True(await users.CheckPasswordAsync(user, result.InitialPassword!));
        Assert.Contains(await admin.ListPrivilegedAsync(Ct), r => r.Email == "ops@utility.test");
    }

    [Fact]
    public async Task Account_administration_refuses_to_create_self_service_roles_and_duplicates()
    {
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var admin = scope.ServiceProvider.GetRequiredService<AccountAdministration>();

        Assert.False((await admin.CreateAsync("x@example.test", null, PortalRoles.Driver, Ct)).Succeeded);
        Assert.False((await admin.CreateAsync(DemoAccounts.Operator.Email, null, PortalRoles.ProgramOperator, Ct)).Succeeded);
    }

    [Fact]
    public async Task A_driver_opening_the_grid_admin_page_is_sent_to_access_denied()
    {
        var client = FormClient.CreateClient(factory);
        await FormClient.LoginAsync(client, DemoAccounts.Driver.Email);

        var response = await client.GetAsync("/admin/accounts", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/AccessDenied", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoAccounts.Operator.Email, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_grid_admin_opening_the_accounts_page_sees_the_operator()
    {
        var client = FormClient.CreateClient(factory);
        await FormClient.LoginAsync(client, DemoAccounts.GridAdmin.Email);

        var page = await client.GetStringAsync("/admin/accounts", Ct);

        Assert.DoesNotContain("id=\"access-denied\"", page, StringComparison.Ordinal);
        Assert.Contains(DemoAccounts.Operator.Email, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_anonymous_visitor_is_sent_to_login_from_a_protected_page()
    {
        var response = await FormClient.CreateClient(factory).GetAsync("/admin/accounts", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoAccounts.Operator.Email, body, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> Register(string email, string role) =>
        await FormClient.PostFormAsync(FormClient.CreateClient(factory), "/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "Str0ng-enough!",
            ["Input.ConfirmPassword"] = "Str0ng-enough!",
            ["Input.Role"] = role,
        });

    private async Task<IList<string>> RolesOf(string email)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByEmailAsync(email);
        Assert.NotNull(user);
        return await users.GetRolesAsync(user);
    }
}

public sealed class ProductionModeTests : IAsyncLifetime
{
    private readonly ProductionPortalFactory factory = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    [Fact]
    public async Task Outside_demo_mode_no_demo_account_exists_or_is_listed()
    {
        var page = await factory.CreateClient().GetStringAsync("/Account/Login", TestContext.Current.CancellationToken);
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();

        Assert.DoesNotContain("demo-accounts", page, StringComparison.Ordinal);
        Assert.DoesNotContain(DemoAccounts.Driver.Email, page, StringComparison.Ordinal);
        Assert.Null(await users.FindByEmailAsync(DemoAccounts.Driver.Email));
    }
}
