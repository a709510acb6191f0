using System.Collections.Concurrent;
using System.Diagnostics;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// One server never starves another: many sessions on real time under the <see cref="GridSessionScheduler"/>, against
/// two sandbox servers over TLS, one of them slow or failing.
/// </summary>
public sealed class ServerFairnessTests
{
    private static readonly TimeSpan Floor = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_server_that_trickles_its_bodies_does_not_starve_100_evses_bound_to_another()
    {
        await using var good = await new SandboxRig(pollRateSeconds: 5, serverTime: TimeProvider.System).StartAsync();
        await using var slow = await new SandboxRig(pollRateSeconds: 5, serverTime: TimeProvider.System).StartAsync();
        slow.State.Fault("/dcap", new SandboxFault(BodyDelayPerByte: TimeSpan.FromMilliseconds(100))); // headers at once, then a byte every 100 ms
        var (goodServer, slowServer) = (Guid.NewGuid(), Guid.NewGuid());
        var latest = new ConcurrentDictionary<Guid, GridRules>();
        using var scheduler = new GridSessionScheduler(8, TimeProvider.System, r => latest[r.EvseId] = r, (ex, _) => Assert.Fail(ex.ToString()));
        var goodSessions = Enumerable.Range(0, 100).Select(_ => good.Session(clock: TimeProvider.System, floor: Floor, serverId: goodServer)).ToList();
        var slowSessions = Enumerable.Range(0, 20).Select(_ => slow.Session(clock: TimeProvider.System, floor: Floor, serverId: slowServer, timeout: TimeSpan.FromSeconds(1))).ToList();
        foreach (var session in slowSessions.Concat(goodSessions))
        {
            scheduler.Add(session, new NoResources());
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = scheduler.RunAsync(stop.Token);
        try
        {
            await Until(() => goodSessions.All(s => s.Rules.Integration == GridIntegration.Integrated), TimeSpan.FromSeconds(60), "all 100 EVSEs of the good server are integrated");
            var reads = good.State.Requests.GetValueOrDefault("GET /dcap");

            // Two poll intervals later every good EVSE is still integrated, and each has polled again.
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(11))
            {
                Assert.All(goodSessions, s => Assert.True(s.Rules.IsIntegratedAt(DateTimeOffset.UtcNow), $"{s.EvseId}: {s.Rules.Integration} {s.Rules.IntegrationDetail}"));
                await Task.Delay(250, Ct);
            }

            Assert.True(good.State.Requests.GetValueOrDefault("GET /dcap") - reads >= 100, "the good server's EVSEs stopped polling");
            Assert.All(slowSessions, s => Assert.NotEqual(GridIntegration.Integrated, s.Rules.Integration));
            Assert.Contains(slowSessions, s => s.Rules.IntegrationDetail?.Contains("no complete answer within 1 s", StringComparison.Ordinal) == true);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task A_server_that_keeps_failing_is_backed_off_as_a_whole_while_the_other_keeps_its_poll_rate()
    {
        await using var good = await new SandboxRig(pollRateSeconds: 2, serverTime: TimeProvider.System).StartAsync();
        await using var bad = await new SandboxRig(pollRateSeconds: 2, serverTime: TimeProvider.System).StartAsync();
        bad.State.Fault("/dcap", new SandboxFault(StatusCode: 503));
        var (goodServer, badServer) = (Guid.NewGuid(), Guid.NewGuid());
        using var scheduler = new GridSessionScheduler(16, TimeProvider.System, _ => { }, (ex, _) => Assert.Fail(ex.ToString()));
        var goodSessions = Enumerable.Range(0, 10).Select(_ => good.Session(clock: TimeProvider.System, floor: Floor, serverId: goodServer)).ToList();
        var badSessions = Enumerable.Range(0, 10).Select(_ => bad.Session(clock: TimeProvider.System, floor: Floor, serverId: badServer)).ToList();
        foreach (var session in badSessions.Concat(goodSessions))
        {
            scheduler.Add(session, new NoResources());
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = scheduler.RunAsync(stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(12), Ct);
        await stop.CancelAsync();
        await run;

        // Without the breaker each of the 10 sessions would retry at 1, 2, 4, 8 s: ≥ 40 requests. With it: the first
        // failures, then nothing until the 30 s cooldown is over.
        Assert.InRange(bad.State.Requests.GetValueOrDefault("GET /dcap"), GridSessionScheduler.BreakerThreshold, 16);
        Assert.NotNull(scheduler.BackedOffUntil(badServer));
        Assert.Contains(badSessions, s => s.Rules.Warnings.Any(w => w.Contains("keeps failing", StringComparison.Ordinal)));
        Assert.All(goodSessions, s => Assert.Equal(GridIntegration.Integrated, s.Rules.Integration));
        Assert.True(good.State.Requests.GetValueOrDefault("GET /dcap") >= 10 * 4, "the good server's EVSEs did not keep their 2 s pollRate");
    }

    [Fact]
    public async Task A_server_that_never_registers_the_device_is_polled_at_the_floor_at_most()
    {
        await using var rig = await new SandboxRig(pollRateSeconds: 60, serverTime: TimeProvider.System).StartAsync();
        rig.State.WithholdRegistration = true;
        using var scheduler = new GridSessionScheduler(4, TimeProvider.System, _ => { }, (ex, _) => Assert.Fail(ex.ToString()));
        scheduler.Add(rig.Session(clock: TimeProvider.System, floor: Floor), new NoResources());

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = scheduler.RunAsync(stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(4), Ct);
        await stop.CancelAsync();
        await run;

        // Back-off from the 1 s floor: at 0, ≈1, ≈3 s (jitter shortens each step by at most a quarter).
        Assert.InRange(rig.State.Requests.GetValueOrDefault("GET /dcap"), 1, 4);
    }

    private static async Task Until(Func<bool> condition, TimeSpan within, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < within, $"Timed out waiting until {what}.");
            await Task.Delay(100, Ct);
        }
    }

    private sealed class NoResources : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
