using System.Net.Http.Json;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.ScaleOut;
using Kitu.V2X.Portal.Simulation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// Three portal processes on one PostgreSQL and one Redis, as a deployment runs them: chargers linked to different
/// instances through load balancers, an event dispatched through one instance's API, and the instance that runs the
/// mediator and the 2030.5 sessions — holding one charger's link too — killed mid-event. The others take its leases,
/// its charger reconnects to one of them, and every discharge goes on: the same commands, each executed once.
/// </summary>
public sealed class ClusterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_portal_processes_one_killed_mid_event_every_discharge_goes_on_once()
    {
        Assert.SkipWhen(PortalFactory.PostgreSqlServer is null, "Three processes share PostgreSQL, as deployed: this runs in test.sh's PostgreSQL pass.");
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        var redis = ScaleOutTests.Isolated(ScaleOutTests.Redis);
        var (portalStore, gridStore) = (PortalFactory.ConnectionString(dataDirectory, "portal"), PortalFactory.ConnectionString(dataDirectory, "grid"));
        var settings = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["ConnectionStrings:Portal"] = portalStore,
            ["ConnectionStrings:Grid"] = gridStore,
            ["Redis:Configuration"] = redis,
            ["ScaleOut:LeaseSeconds"] = "3",
            ["Simulation:Enabled"] = "false",
            ["Diagnostics:Memory"] = "true", // /diagnostics/links
            ["Mediator:TickMilliseconds"] = "200",
            ["Mediator:AckTimeoutSeconds"] = "1",
            ["Mediator:FollowGraceSeconds"] = "2",
            ["Mediator:LinkGraceSeconds"] = "3",
            ["Mediator:RetryRefusedSeconds"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var logs = Path.Combine(dataDirectory, "logs");
        var instances = new List<PortalProcess>();
        var evses = new List<VirtualEvse>();
        var balancers = new List<TcpBalancer>();
        try
        {
            // p1 first: it takes both leases (mediator, grid). p2 runs the demo and the sandbox 2030.5 server.
            var p1 = await Start("p1", demo: false);
            var p2 = await Start("p2", demo: true);
            var p3 = await Start("p3", demo: false);

            // A fourth instance, in this process, sets the chargers, cars and program up, binds the chargers (p1's sessions
            // poll the sandbox for it: the grid relay), then stops; the three processes go on.
            var rigs = new List<Rig>();
            HttpClient api;
            await using (var setup = new Seeder(dataDirectory, redis) { KeepData = true })
            {
                for (var i = 0; i < 3; i++)
                {
                    rigs.Add(await setup.RigAsync(soc: 80, connect: false));
                }

                await using var scope = setup.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                foreach (var other in rigs.Skip(1))
                {
                    db.Enrollments.Add(new Enrollment { VehicleId = other.VehicleId, ProgramId = rigs[0].ProgramId, Rank = 0, EnrolledAt = DateTimeOffset.UtcNow });
                }

                await db.SaveChangesAsync(Ct);
                var operatorId = await db.DischargePrograms.Where(p => p.Id == rigs[0].ProgramId).Select(p => p.OperatorId).SingleAsync(Ct);
                api = await setup.ApiClientAsync(operatorId);
            }

            // Each charger behind its own load balancer: the first to p1, the second to p2, the third to p3; p3 next for all.
            PortalProcess[][] routes = [[p1, p3], [p2, p3], [p3, p2]];
            for (var i = 0; i < 3; i++)
            {
                var route = routes[i];
                var balancer = new TcpBalancer(() => [.. route.Where(p => !p.HasExited).Select(p => p.Address)]);
                balancers.Add(balancer);
                var evse = new VirtualEvse(rigs[i].EvseId, rigs[i].Secret, balancer.Address, 11, rigs[i].Ev, TimeProvider.System, TimeSpan.FromSeconds(1), reconnect: ReconnectBackOff.Eager);
                evses.Add(evse);
                await evse.StartAsync(Ct);
            }

            var watch = rigs[0];
            await watch.UntilAsync(() => evses.TrueForAll(e => e.Grid is { Integrated: true } && e.Policy is not null), "every charger is told its grid rules (from p1's sessions) and its owner's policy", TimeSpan.FromSeconds(30));
            foreach (var p in instances)
            {
                await watch.UntilAsync(async () => (await LinksAsync(p)) is { Links: >= 3, Here: 1 }, $"{p.Name} holds one link and sees all three");
            }

            // Dispatched through p3's API; p1's mediator plans it and commands the chargers wherever they are linked.
            api.BaseAddress = p3.Address;
            var dispatched = await api.PostAsJsonAsync("/api/v1/events", new { programId = rigs[0].ProgramId, kwPerVehicle = 5, durationMinutes = 30 }, Ct);
            Assert.True(dispatched.IsSuccessStatusCode, await dispatched.Content.ReadAsStringAsync(Ct));
            var running = new List<DischargeCommand>();
            await watch.UntilAsync(async () => (running = await RunningAsync(portalStore, rigs)).Count == 3, "the three cars discharge", TimeSpan.FromSeconds(30));
            Assert.All(evses, e => Assert.True(e.PowerKw < 0));

            // p1 dies: no goodbye, its leases left to expire.
            p1.Kill();
            await watch.UntilAsync(async () => await HoldersAsync(portalStore, gridStore) is { Count: 2 } holders && !holders.Contains("p1"), "p2 or p3 takes the mediator and grid leases", TimeSpan.FromSeconds(30));
            await watch.UntilAsync(async () => (await LinksAsync(p3)).Here == 2, "the first charger reconnects, to p3", TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(6), Ct); // passes of the new mediator: renewals, not new starts

            var after = await RunningAsync(portalStore, rigs);
            Assert.Equal(running.Select(c => c.Id).Order(), after.Select(c => c.Id).Order()); // the same commands, still running
            for (var i = 0; i < 3; i++)
            {
                Assert.True(evses[i].PowerKw < 0, $"charger {i + 1} discharges");
                Assert.Equal(1, evses[i].Executions); // each command executed once
                Assert.Equal([running.Single(c => c.EvseId == rigs[i].EvseId).Id], evses[i].Received.Distinct());
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\n{string.Join('\n', instances.Select(p => p.Tail()))}", ex);
        }
        finally
        {
            foreach (var evse in evses)
            {
                await evse.DisposeAsync();
            }

            foreach (var balancer in balancers)
            {
                await balancer.DisposeAsync();
            }

            foreach (var p in instances)
            {
                await p.DisposeAsync();
            }

            await Data.TestStores.DeleteAsync(portalStore);
            await Data.TestStores.DeleteAsync(gridStore);
            Directory.Delete(dataDirectory, recursive: true);
        }

        async Task<PortalProcess> Start(string name, bool demo)
        {
            var p = await PortalProcess.StartAsync(name, new Dictionary<string, string>(settings)
            {
                ["Instance:Id"] = name,
                ["Storage:DataDirectory"] = Path.Combine(dataDirectory, name), // a folder of its own, as on its own machine: what they share is in the stores
                ["Demo:Enabled"] = demo ? "true" : "false",
                ["Sandbox:Enabled"] = demo ? "true" : "false",
                ["Sandbox:Port"] = "0",
            }, logs, Ct);
            instances.Add(p);
            return p;
        }
    }

    private sealed record LinkCounts(int Links, int Here);

    private static async Task<LinkCounts> LinksAsync(PortalProcess portal)
    {
        using var http = new HttpClient { BaseAddress = portal.Address };
        return (await http.GetFromJsonAsync<LinkCounts>("/diagnostics/links", Ct))!;
    }

    private static async Task<List<DischargeCommand>> RunningAsync(string portalStore, List<Rig> rigs)
    {
        await using var db = Data.TestStores.Portal(portalStore);
        var evses = rigs.Select(r => r.EvseId).ToList();
        return await db.DischargeCommands.AsNoTracking().Where(c => evses.Contains(c.EvseId) && c.State == CommandState.Running).ToListAsync(Ct);
    }

    /// <summary>The instances holding the mediator's lease (portal store) and the grid's (grid store), unexpired.</summary>
    private static async Task<List<string>> HoldersAsync(string portalStore, string gridStore)
    {
        var now = DateTimeOffset.UtcNow;
        await using var portal = Data.TestStores.Portal(portalStore);
        await using var grid = new GridDbContext(new DbContextOptionsBuilder<GridDbContext>().UseStore(StorageProvider.PostgreSql, gridStore).Options);
        var leases = (await LeaseStore.AllAsync(portal, Ct)).Concat(await LeaseStore.AllAsync(grid, Ct));
        return [.. leases.Where(l => l.ExpiresAt > now).Select(l => l.Holder)];
    }

    /// <summary>An instance in this process, for setting up through the portal's own services; demo off (p2 runs it).</summary>
    private sealed class Seeder(string dataDirectory, string redis) : LivePortal(dataDirectory)
    {
        protected override bool DemoEnabled => false;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Instance:Id", "setup");
            builder.UseSetting("ScaleOut:LeaseSeconds", "3");
            builder.UseSetting("Redis:Configuration", redis);
        }
    }
}
