using System.Net;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.ScaleOut;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration;

/// <summary>
/// The parts of running several instances that one instance shows: Redis in readiness (a real Redis, the one test.sh
/// starts: <c>KITU_TEST_REDIS</c>), starting while Redis is gone, and the metrics an operator scrapes.
/// </summary>
public sealed class ScaleOutTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The Redis test.sh starts for the run; the scale-out tests share it (each on channels of its own: <see cref="Isolated"/>).</summary>
    internal static string Redis =>
        Environment.GetEnvironmentVariable("KITU_TEST_REDIS") is { Length: > 0 } redis ? redis
        : throw new InvalidOperationException("KITU_TEST_REDIS is not set: run ./test.sh, which starts a Redis for the run.");

    [Fact]
    public async Task With_redis_configured_readiness_covers_it()
    {
        await using var portal = new RedisPortal(Isolated(Redis));

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

        // Dispatching pauses, with the reason and a time to retry (API: 503).
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Kitu.V2X.Portal.Data.PortalDbContext>();
            var program = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.DischargePrograms, p => p.Name == Kitu.V2X.Portal.Demo.DemoFleet.ProgramName, Ct);
            var (key, stored) = Kitu.V2X.Portal.Domain.ConsumerSupport.OperatorApiKey.Issue(program.OperatorId, "test", DateTimeOffset.UtcNow);
            db.OperatorApiKeys.Add(stored);
            await db.SaveChangesAsync(Ct);
            using var dispatch = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = System.Net.Http.Json.JsonContent.Create(new { programId = program.Id, kwPerVehicle = 5, durationMinutes = 30 }) };
            dispatch.Headers.Add("X-Api-Key", key);
            var paused = await client.SendAsync(dispatch, Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, paused.StatusCode);
            Assert.Contains("Dispatching is paused", await paused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.NotNull(paused.Headers.RetryAfter);
            Assert.False(await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.ProgramEvents, Ct));
        }

        // And it stays up while Redis stays gone (what waits for Redis retries; nothing takes the host down).
        await Task.Delay(TimeSpan.FromSeconds(7), Ct);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Login", Ct)).StatusCode);
        Assert.False(portal.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task When_redis_comes_back_the_instance_is_in_touch_again_by_itself_and_dispatching_resumes()
    {
        _ = Redis; // a Redis server is installed (test.sh)
        var port = FreePort();
        await using var portal = new RedisPortal($"127.0.0.1:{port},connectTimeout=500", demo: false);
        var status = portal.Services.GetRequiredService<ScaleOutStatus>();
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        Assert.True(status.Degraded);

        using var redis = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]) { RedirectStandardOutput = true })!;
        try
        {
            for (var i = 0; i < 300 && status.Degraded; i++)
            {
                await Task.Delay(100, Ct);
            }

            Assert.False(status.Degraded);
            await portal.Services.GetRequiredService<ChangeRelay>().Ready.WaitAsync(TimeSpan.FromSeconds(30), Ct); // and the pages' relay listens again
        }
        finally
        {
            redis.Kill();
        }
    }

    /// <summary>
    /// The test's own channels on the shared Redis (<c>channelPrefix</c>, as two portals of different operators sharing
    /// one Redis would set): what other tests' instances say does not reach this test's.
    /// </summary>
    public static string Isolated(string redis) => $"{redis},channelPrefix=t{Guid.NewGuid():N}:";

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    [Fact]
    public async Task A_status_and_a_command_change_on_one_instance_reach_the_pages_watching_on_another_once()
    {
        var redis = Isolated(Redis); // other tests' instances share the Redis: not their messages
        await using var a = new RedisPortal(redis, "instance-a", demo: false); // no demo: nothing else changes meanwhile
        await using var b = new RedisPortal(redis, "instance-b", demo: false);
        await a.Services.GetRequiredService<ChangeRelay>().Ready.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await b.Services.GetRequiredService<ChangeRelay>().Ready.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await a.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await b.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var (onA, onB) = (a.Services.GetRequiredService<MediatorNotifier>(), b.Services.GetRequiredService<MediatorNotifier>());
        var evse = Guid.NewGuid();
        var program = Guid.NewGuid();

        var statuses = new List<StatusMessage>();
        var changes = 0;
        var localChanges = 0;
        using var watchStatus = onB.WatchStatus([evse], (_, s) => { lock (statuses) { statuses.Add(s); } });
        using var watchChanges = onB.Watch(new ChangeScope().Add(program: program), () => Interlocked.Increment(ref changes));
        using var watchHere = onA.Watch(new ChangeScope().Add(program: program), () => Interlocked.Increment(ref localChanges));
        var unrelatedChanges = 0;
        using var unrelated = onB.Watch(new ChangeScope().Add(program: Guid.NewGuid()), () => Interlocked.Increment(ref unrelatedChanges));

        // Junk on the channel first: dropped, the relay goes on.
        await using (var junk = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis))
        {
            await junk.GetSubscriber().PublishAsync(ChangeRelay.Channel, "{not json");
            await junk.GetSubscriber().PublishAsync(ChangeRelay.Channel, new string('x', ChangeRelay.MaxMessageBytes + 1));
        }

        var status = new StatusMessage(true, "KITU-RELAY-0001", 64, true, -5, EvseState.Discharging, Guid.NewGuid());
        var link = new LiveEvse(evse, new Links.FakeLink(), DateTimeOffset.UtcNow);
        a.Services.GetRequiredService<EvseConnections>().Add(link);
        a.Services.GetRequiredService<EvseReports>().Status(link, status); // a link on instance a reported: it crosses with the bridge's news
        onA.CommandsChanged(new ChangeScope().Add(program: program)); // the mediator on instance a changed a command

        for (var i = 0; i < 100 && (Volatile.Read(ref changes) == 0 || statuses.Count == 0); i++)
        {
            await Task.Delay(50, Ct);
        }

        await Task.Delay(300, Ct); // anything more would be an echo or a duplicate
        Assert.Equal(status, Assert.Single(statuses));
        Assert.Equal(1, Volatile.Read(ref changes));
        Assert.Equal(1, Volatile.Read(ref localChanges)); // a's own pages once, not again from Redis
        Assert.Equal(0, Volatile.Read(ref unrelatedChanges)); // only the watches the change touches
        Assert.Equal(1, b.Services.GetRequiredService<ChangeRelay>().Received); // the change; the junk was dropped, the status came with the bridge
    }

    [Fact]
    public async Task What_an_ocpp_station_says_of_itself_crosses_with_its_link_and_the_pages_elsewhere_hear_when_it_changes()
    {
        var redis = Isolated(Redis);
        await using var a = new RedisPortal(redis, "station-a", demo: false);
        await using var b = new RedisPortal(redis, "station-b", demo: false);
        await a.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await b.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var evse = Guid.NewGuid();
        var nudges = 0;
        using var watch = b.Services.GetRequiredService<MediatorNotifier>().WatchStatus([evse], (_, _) => Interlocked.Increment(ref nudges));
        var onB = b.Services.GetRequiredService<EvseConnections>();

        // A station on instance a raises an alarm: b's lot page reads it from the mirrored link.
        var status = new StatusMessage(true, "KITU-STATION-01", 64, true, 0, EvseState.Idle, null);
        var link = new LiveEvse(evse, new Links.FakeLink(), DateTimeOffset.UtcNow);
        a.Services.GetRequiredService<EvseConnections>().Add(link);
        var alarm = new Kitu.V2X.Portal.Ocpp.OcppStationFacts("HVMustTrip", "OverVoltage", DateTimeOffset.UtcNow, null, null, null, "2");
        link.Station = alarm;
        a.Services.GetRequiredService<EvseReports>().Status(link, status);
        for (var i = 0; i < 100 && onB.Get(evse)?.Station != alarm; i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Equal(alarm, onB.Get(evse)?.Station);
        Assert.Contains("Charger alarm: HVMustTrip (OverVoltage)", Kitu.V2X.Portal.Sites.LotDashboard.StationAlarmText(onB.Get(evse)?.Station, TimeZoneInfo.Utc), StringComparison.Ordinal);
        var seen = Volatile.Read(ref nudges);
        Assert.True(seen >= 1);

        // The alarm ends with no change of status: b hears it, and its pages are nudged.
        link.Station = alarm with { AlarmControlType = null, AlarmFault = null, AlarmSince = null };
        a.Services.GetRequiredService<EvseReports>().Status(link, status);
        for (var i = 0; i < 100 && onB.Get(evse)?.Station?.AlarmControlType is not null; i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Null(onB.Get(evse)?.Station?.AlarmControlType);
        Assert.Equal("2", onB.Get(evse)?.Station?.OtherEvses);
        Assert.Equal("", Kitu.V2X.Portal.Sites.LotDashboard.StationAlarmText(onB.Get(evse)?.Station, TimeZoneInfo.Utc));
        for (var i = 0; i < 40 && Volatile.Read(ref nudges) == seen; i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(Volatile.Read(ref nudges) > seen);
    }

    private sealed class RedisPortal(string redis, string? instance = null, bool demo = true) : PortalFactory
    {
        protected override bool DemoEnabled => demo;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Redis:Configuration", redis);
            if (instance is not null)
            {
                builder.UseSetting("Instance:Id", instance);
            }
        }
    }
}
