using System.Net;
using System.Text.RegularExpressions;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>
/// Every page and endpoint the portal maps — read from its own endpoint table, so a new route is swept without
/// anyone remembering to add it — requested by every role (and nobody), with every id of a resource another tenant
/// owns in its route: no answer is a 500, and no answer shows another tenant's data.
/// </summary>
public sealed partial class RouteSweepTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    /// <summary>Plumbing, not pages: the Blazor and SignalR transports, static files, the API reference, the error page.</summary>
    private static readonly string[] Skipped = ["/_blazor", "/_framework", "/_content", "/hubs", "/api/openapi", "/api/docs", "/diagnostics", "/Error", "/Account/Logout", "/Account/PerformExternalLogin", "/Account/Manage/LinkExternalLogin"];

    [Fact]
    public async Task Every_route_for_every_role_and_a_second_tenant_neither_fails_nor_leaks()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenants = await TenantsAsync(ct);
        var routes = Routes();
        Assert.True(routes.Count > 40, $"only {routes.Count} routes found: the sweep would miss most of the portal");
        var problems = new List<string>();
        var requests = 0;
        foreach (var (email, foreign) in Roles(tenants))
        {
            var client = FormClient.CreateClient(portal);
            if (email is not null)
            {
                Assert.Equal(HttpStatusCode.Redirect, (await FormClient.LoginAsync(client, email)).StatusCode);
            }

            foreach (var (method, pattern) in routes)
            {
                foreach (var path in Fill(pattern, tenants.ForeignIds(email)))
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (method != "GET")
                    {
                        request.Headers.Add("X-Kitu-Request", "1");
                        request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
                    }

                    using var response = await client.SendAsync(request, ct);
                    requests++;
                    var body = await response.Content.ReadAsStringAsync(ct);
                    if (response.StatusCode == HttpStatusCode.InternalServerError)
                    {
                        problems.Add($"{email ?? "anonymous"} {method} {path}: 500");
                    }

                    foreach (var marker in foreign.Where(m => body.Contains(m, StringComparison.Ordinal)))
                    {
                        problems.Add($"{email ?? "anonymous"} {method} {path}: shows \"{marker}\" of another tenant");
                    }
                }
            }
        }

        TestContext.Current.SendDiagnosticMessage($"Route sweep: {routes.Count} routes, {requests} requests");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(40)));
    }

    /// <summary>The routes of the endpoint table: pages (GET) and endpoints with their methods.</summary>
    private List<(string Method, RoutePattern Pattern)> Routes()
    {
        var routes = new List<(string, RoutePattern)>();
        foreach (var endpoint in portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var text = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            if (endpoint.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor"))
            {
                continue; // static files (served from the build's manifest; the test host has none outside Development)
            }

            if (Skipped.Any(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase)) || text.Contains("{*", StringComparison.Ordinal) || text.Contains("{**", StringComparison.Ordinal))
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods.Where(m => m is "GET" or "POST" or "PUT" or "DELETE").Distinct())
            {
                routes.Add((method, endpoint.RoutePattern));
            }
        }

        return routes.DistinctBy(r => (r.Item1, r.Item2.RawText)).ToList();
    }

    /// <summary>The route with each parameter filled by every id of another tenant (and a random one); literal routes as they are.</summary>
    private static IEnumerable<string> Fill(RoutePattern pattern, IReadOnlyList<string> ids)
    {
        var raw = "/" + (pattern.RawText ?? "").TrimStart('/');
        if (pattern.Parameters.Count == 0)
        {
            yield return raw;
            yield break;
        }

        foreach (var id in ids.Append(Guid.NewGuid().ToString()))
        {
            yield return Parameter().Replace(raw, id);
        }
    }

    /// <summary>Each role's account, and what must never appear on its pages: data of tenants it is not.</summary>
    private static IEnumerable<(string? Email, string[] Foreign)> Roles(Tenants t) =>
    [
        (null, [t.DriverCar, t.DriverCarIdentifier, t.HomeAddress, t.DepotAddress]),
        (DemoAccounts.Driver.Email, [t.HomeAddress, t.DepotAddress, "Van 1"]),
        (DemoAccounts.Owner.Email, [t.DriverCarIdentifier, t.DepotAddress, "Van 1"]),
        (DemoAccounts.Fleet.Email, [t.DriverCar, t.DriverCarIdentifier, t.HomeAddress]),
        (DemoAccounts.Operator.Email, [t.DriverCar, t.DriverCarIdentifier, t.HomeAddress, t.DepotAddress]),
        (DemoAccounts.CarMaker.Email, [t.DriverCar, t.DriverCarIdentifier, t.HomeAddress, t.DepotAddress]),
        (DemoAccounts.GridAdmin.Email, [t.DriverCar, t.DriverCarIdentifier, t.HomeAddress, t.DepotAddress]),
    ];

    private async Task<Tenants> TenantsAsync(CancellationToken ct)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<PortalDbContext>();
        var users = sp.GetRequiredService<UserManager<PortalUser>>();
        var driver = (await users.FindByEmailAsync(DemoAccounts.Driver.Email))!.Id;
        var owner = (await users.FindByEmailAsync(DemoAccounts.Owner.Email))!.Id;
        var fleet = (await users.FindByEmailAsync(DemoAccounts.Fleet.Email))!.Id;
        var sites = await db.Sites.AsNoTracking().Select(s => new { s.Id, s.OwnerId }).ToListAsync(ct);
        var evses = await (from e in db.Evses.AsNoTracking() join s in db.Sites.AsNoTracking() on e.SiteId equals s.Id select new { e.Id, s.OwnerId }).ToListAsync(ct);
        var cars = await db.Vehicles.AsNoTracking().Select(v => new { v.Id, v.OwnerId }).ToListAsync(ct);
        var programs = await db.DischargePrograms.AsNoTracking().Select(p => p.Id).ToListAsync(ct);
        string[] Of(string ownerId) =>
            [.. sites.Where(s => s.OwnerId == ownerId).Select(s => s.Id.ToString()).Take(1), .. evses.Where(e => e.OwnerId == ownerId).Select(e => e.Id.ToString()).Take(2), .. cars.Where(c => c.OwnerId == ownerId).Select(c => c.Id.ToString()).Take(2)];
        return new Tenants(
            new Dictionary<string, string[]> { [DemoAccounts.Driver.Email] = Of(driver), [DemoAccounts.Owner.Email] = Of(owner), [DemoAccounts.Fleet.Email] = Of(fleet) },
            [.. programs.Take(2).Select(p => p.ToString())]);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();

    private sealed record Tenants(IReadOnlyDictionary<string, string[]> IdsByOwner, IReadOnlyList<string> Programs)
    {
        public string DriverCar => "Dana's car";

        public string DriverCarIdentifier => DemoFleet.DriverCar;

        public string HomeAddress => "12 Elm Street";

        public string DepotAddress => "400 Harbor Way";

        /// <summary>The ids of resources the account does not own (for nobody: all of them).</summary>
        public IReadOnlyList<string> ForeignIds(string? email) =>
            [.. IdsByOwner.Where(x => x.Key != email).SelectMany(x => x.Value), .. Programs];
    }
}
