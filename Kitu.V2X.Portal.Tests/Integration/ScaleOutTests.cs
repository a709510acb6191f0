using System.Net;
using Microsoft.AspNetCore.Hosting;

namespace Kitu.V2X.Portal.Tests.Integration;

/// <summary>
/// The parts of running several instances that one instance shows: Redis in readiness (a real Redis, the one test.sh
/// starts: <c>KITU_TEST_REDIS</c>), starting while Redis is gone, and the metrics an operator scrapes.
/// </summary>
public sealed class ScaleOutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Redis =>
        Environment.GetEnvironmentVariable("KITU_TEST_REDIS") is { Length: > 0 } redis ? redis
        : throw new InvalidOperationException("KITU_TEST_REDIS is not set: run ./test.sh, which starts a Redis for the run.");

    [Fact]
    public async Task With_redis_configured_readiness_covers_it()
    {
        await using var portal = new RedisPortal(Redis);

        var response = await portal.CreateClient().GetAsync("/readyz", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"redis\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_portal_starts_while_redis_is_unreachable_and_says_it_is_not_ready()
    {
        await using var portal = new RedisPortal("127.0.0.1:1,connectTimeout=500"); // nothing listens on port 1

        var client = portal.CreateClient();
        var page = await client.GetAsync("/Account/Login", Ct);
        var ready = await client.GetAsync("/readyz", Ct);
        var body = await ready.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // it serves
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode); // a load balancer holds traffic back
        Assert.Contains("\"redis\"", body, StringComparison.Ordinal);
        Assert.Contains("Unhealthy", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_metrics_endpoint_serves_the_portals_own_meters_in_prometheus_format()
    {
        await using var portal = new PortalFactory();
        var client = portal.CreateClient();
        await client.GetAsync("/readyz", Ct); // at least one request measured

        string body = "";
        for (var i = 0; i < 50 && !(body.Contains("kitu_mediator_pass_duration_seconds", StringComparison.Ordinal) && body.Contains("http_server_request_duration_seconds", StringComparison.Ordinal)); i++)
        {
            await Task.Delay(200, Ct);
            var response = await client.GetAsync("/metrics", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            body = await response.Content.ReadAsStringAsync(Ct);
        }

        Assert.Contains("http_server_request_duration_seconds", body, StringComparison.Ordinal);
        Assert.Contains("kitu_mediator_pass_duration_seconds_bucket", body, StringComparison.Ordinal);
        Assert.Contains("instance=\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("@", body, StringComparison.Ordinal); // no account, no e-mail address in a label
    }

    private sealed class RedisPortal(string redis) : PortalFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Redis:Configuration", redis);
        }
    }
}
