using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>
/// The account pages tell a prober nothing about which addresses have accounts: the same answer, in about the same
/// time, and the same lockout, for a real account and an unknown address; and the forms are rate limited per address.
/// </summary>
public sealed class AccountProbingTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Password = "Str0ng-enough!";

    [Fact]
    public async Task Registering_a_taken_address_answers_exactly_as_registering_a_new_one()
    {
        var taken = await RegisterAsync("driver@demo.kitu");
        var fresh = await RegisterAsync($"new.{Guid.NewGuid():N}@example.test");

        Assert.Equal(HttpStatusCode.Redirect, taken.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, fresh.Response.StatusCode);
        Assert.Equal(Shape(taken.Response.Headers.Location!, "driver@demo.kitu"), Shape(fresh.Response.Headers.Location!, fresh.Email));
        Assert.False(taken.Response.Headers.Contains("Set-Cookie") && taken.Response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(".AspNetCore.Identity.Application", StringComparison.Ordinal)), "a taken address must not sign anyone in");
        Assert.DoesNotContain("taken", await taken.Response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_failed_login_takes_about_as_long_for_an_unknown_address_as_for_a_real_account()
    {
        var real = "owner@demo.kitu";
        var unknown = $"nobody.{Guid.NewGuid():N}@example.test";
        await TimeLoginAsync(real); // warm both paths up
        await TimeLoginAsync(unknown);

        var realTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var i = 0; i < 3; i++) // below the lockout: five failures lock either
        {
            realTimes.Add(await TimeLoginAsync(real));
            unknownTimes.Add(await TimeLoginAsync(unknown));
        }

        var ratio = Median(unknownTimes) / Median(realTimes);
        TestContext.Current.SendDiagnosticMessage($"failed login, median: real account {Median(realTimes):0} ms, unknown address {Median(unknownTimes):0} ms (ratio {ratio:0.00})");
        Assert.InRange(ratio, 0.5, 2.0);
    }

    [Fact]
    public async Task An_unknown_address_locks_after_five_failures_as_a_real_account_does()
    {
        var client = FormClient.CreateClient(portal);
        var unknown = $"ghost.{Guid.NewGuid():N}@example.test";
        for (var i = 0; i < 4; i++)
        {
            var failed = await FormClient.LoginAsync(client, unknown, "wrong-password");
            Assert.Contains("Invalid login attempt", await failed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        var fifth = await FormClient.LoginAsync(client, unknown, "wrong-password");

        Assert.Equal(HttpStatusCode.Redirect, fifth.StatusCode);
        Assert.EndsWith("/Account/Lockout", fifth.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_login_form_is_rate_limited_per_address()
    {
        await using var limited = new LimitedPortal();
        var client = FormClient.CreateClient(limited);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await FormClient.LoginAsync(client, $"x{i}@example.test", "wrong-password")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    private async Task<double> TimeLoginAsync(string email)
    {
        var client = FormClient.CreateClient(portal);
        await client.GetStringAsync("/Account/Login", TestContext.Current.CancellationToken);
        var clock = Stopwatch.StartNew();
        var response = await FormClient.LoginAsync(client, email, "wrong-password");
        clock.Stop();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return clock.Elapsed.TotalMilliseconds;
    }

    private async Task<(HttpResponseMessage Response, string Email)> RegisterAsync(string email)
    {
        var client = FormClient.CreateClient(portal);
        var response = await FormClient.PostFormAsync(client, "/Account/Register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
            ["Input.Role"] = "Driver",
        });
        return (response, email);
    }

    private static string Shape(Uri location, string email) => Uri.UnescapeDataString(location.OriginalString).Replace(email, "<email>", StringComparison.Ordinal);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed class LimitedPortal : PortalFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Accounts:AttemptsPerMinute", "3");
        }
    }
}
