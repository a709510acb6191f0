using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.ScaleOut;
using Kitu.V2X.Portal.Simulation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// Two portal instances on one store and one Redis (the one test.sh starts): an EVSE linked to the instance that does not
/// run the mediator is seen, greeted and commanded all the same, through the link bridge; when its instance goes, it
/// reconnects to the other through the load balancer and its discharge goes on — the same command, executed once.
/// </summary>
public sealed class LinkBridgeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_evse_linked_to_the_other_instance_is_commanded_by_the_mediator_and_follows_when_its_instance_goes()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        var prefix = Guid.NewGuid().ToString("N")[..6]; // instance names of their own: other tests share the Redis
        var redis = ScaleOutTests.Isolated(ScaleOutTests.Redis);
        var a = new Instance(dataDirectory, $"a-{prefix}", redis); // the last to go: it removes the data
        Instance? b = null;
        VirtualEvse? evse = null;
        TcpBalancer? balancer = null;
        try
        {
            b = new Instance(dataDirectory, $"b-{prefix}", redis) { KeepData = true }; // a goes on with the data
            await a.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(15), Ct);
            await b.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(15), Ct);
            var leaseA = a.Services.GetRequiredService<MediatorLease>();
            await a.Services.GetRequiredService<MediatorLease>().WhenHeld(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
            var setup = await a.RigAsync(soc: 80, connect: false);

            // The load balancer sends the EVSE to b while b is there.
            var instances = new List<Instance> { b, a };
            balancer = new TcpBalancer(() => [.. instances.Select(i => i.Address)]);
            evse = new VirtualEvse(setup.EvseId, setup.Secret, balancer.Address, 11, setup.Ev, TimeProvider.System, TimeSpan.FromSeconds(1), reconnect: ReconnectBackOff.Eager);
            var rig = new Rig(a, setup.EvseId, setup.VehicleId, setup.ProgramId, setup.DriverId, setup.Secret, evse, setup.Ev);
            await evse.StartAsync(Ct);

            var (onA, onB) = (a.Services.GetRequiredService<EvseConnections>(), b.Services.GetRequiredService<EvseConnections>());
            await rig.UntilAsync(() => onB.Get(setup.EvseId) is { IsLocal: true }, "b holds the link");
            await rig.UntilAsync(() => onA.WhereIs(setup.Ev.Identifier) is { IsLocal: false }, "a sees the link, with the car b accepted");
            await rig.UntilAsync(() => evse.Grid is { Integrated: true } && evse.Policy is not null, "b tells the EVSE its grid rules (from a's session) and its owner's policy");
            Assert.True(a.Services.GetRequiredService<GridClientWorker>().RunsSessions); // a polls the 2030.5 server…
            Assert.False(b.Services.GetRequiredService<GridClientWorker>().RunsSessions); // …b does not, and has the rules all the same
            Assert.Equal(0, b.Services.GetRequiredService<GridClientWorker>().SessionCount);
            Assert.True(b.Services.GetRequiredService<GridRulesFeed>().Get(setup.EvseId).IsIntegratedAt(DateTimeOffset.UtcNow));

            await rig.DispatchAsync(kw: 5);
            var running = await rig.UntilStateAsync(CommandState.Running);
            Assert.True(leaseA.IsHeld);
            Assert.Equal(0, b.Services.GetRequiredService<Discharge.LiveCommands>().Count); // a's mediator ran it, b only carried it
            Assert.True(evse.PowerKw < 0);
            Assert.Equal(1, evse.Executions);

            // b goes; the EVSE reconnects through the balancer to a, and the same command goes on there.
            instances.Remove(b);
            await b.DisposeAsync();
            b = null;
            await rig.UntilAsync(() => onA.Get(setup.EvseId) is { IsLocal: true }, "the EVSE reconnects to a", TimeSpan.FromSeconds(20));
            await Task.Delay(TimeSpan.FromSeconds(4), Ct); // a few passes: renewals, not a new start
            var after = await rig.CommandAsync();
            Assert.Equal(running.Id, after!.Id);
            Assert.Equal(CommandState.Running, after.State);
            Assert.True(evse.PowerKw < 0, $"power {evse.PowerKw}, held to {evse.HeldToKw}, stops {string.Join(", ", evse.Stops)}, grid {evse.Grid}");
            Assert.Equal(1, evse.Executions); // executed once
            Assert.Equal([running.Id], evse.Received.Distinct()); // no other command: it goes on with this one over a's own link
        }
        finally
        {
            if (evse is not null)
            {
                await evse.DisposeAsync();
            }

            if (balancer is not null)
            {
                await balancer.DisposeAsync();
            }

            if (b is not null)
            {
                await b.DisposeAsync();
            }

            await a.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_ev_executed_event_reaches_the_car_over_its_maker_s_link_held_by_the_other_instance()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        var prefix = Guid.NewGuid().ToString("N")[..6];
        var redis = ScaleOutTests.Isolated(ScaleOutTests.Redis);
        var a = new Instance(dataDirectory, $"a-{prefix}", redis);
        Instance? b = null;
        VirtualTelematics? cloud = null;
        try
        {
            b = new Instance(dataDirectory, $"b-{prefix}", redis) { KeepData = true };
            await a.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(15), Ct);
            await b.Services.GetRequiredService<LinkBridge>().Ready.WaitAsync(TimeSpan.FromSeconds(15), Ct);
            await a.Services.GetRequiredService<MediatorLease>().WhenHeld(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
            await using var rig = await a.RigAsync(soc: 70, executor: Kitu.V2X.Portal.Domain.ConsumerSupport.ProgramExecutor.Ev, telematicsOnline: false);

            // The car maker's cloud connects to b; a, which runs the mediator, sees its link.
            cloud = new VirtualTelematics(b.Address, rig.MakerKey!, id => string.Equals(id, rig.Ev.Identifier, StringComparison.OrdinalIgnoreCase) ? rig.Evse : null, TimeProvider.System, TimeSpan.FromSeconds(1));
            await cloud.StartAsync(Ct);
            var (makersOnA, makersOnB) = (a.Services.GetRequiredService<TelematicsLinks>(), b.Services.GetRequiredService<TelematicsLinks>());
            await rig.UntilAsync(() => makersOnB.IsHere(rig.MakerId), "b holds the maker's link");
            await rig.UntilAsync(() => makersOnA.IsOnline(rig.MakerId) && !makersOnA.IsHere(rig.MakerId), "a sees the maker's link, held by b");

            // Dispatched on a: the command reaches the cloud through b's link, its ack and the car's reports come back to a.
            await rig.DispatchAsync(kw: 5);
            var running = await rig.UntilStateAsync(CommandState.Running);
            await rig.UntilAsync(async () => (await rig.CommandAsync())!.MeasuredKw == -5, "the car's report of −5 kW reaches a's mediator");
            Assert.Equal(rig.MakerId, running.TelematicsOperatorId);
            Assert.Contains(running.Id, cloud.Received);
            Assert.Equal(0, b.Services.GetRequiredService<Discharge.LiveCommands>().Count); // b only carried it
            Assert.Equal(-5, rig.Evse.PowerKw);

            // The driver stops it on a: the stop reaches the car the same way.
            await using (var scope = a.Services.CreateAsyncScope())
            {
                Assert.True(await scope.ServiceProvider.GetRequiredService<Kitu.V2X.Portal.Drivers.DriverNow>().StopNowAsync(rig.DriverId, rig.VehicleId, Ct));
            }

            await rig.UntilAsync(() => cloud.Stops.Exists(s => s.CommandId == running.Id && s.Reason == "ev.stopped_by_driver"), "the stop reaches the car");
            await rig.UntilAsync(() => rig.Evse.PowerKw == 0, "the car stops discharging");

            // b goes: a drops the link b held (the cloud would reconnect to a through the load balancer).
            await b.DisposeAsync();
            b = null;
            await rig.UntilAsync(() => !makersOnA.IsOnline(rig.MakerId), "a drops the link of the instance that went", TimeSpan.FromSeconds(20));
        }
        finally
        {
            if (cloud is not null)
            {
                await cloud.DisposeAsync();
            }

            if (b is not null)
            {
                await b.DisposeAsync();
            }

            await a.DisposeAsync();
        }
    }

    /// <summary>A live portal over a shared data directory and a shared Redis, with its own instance id and a short lease.</summary>
    private sealed class Instance(string dataDirectory, string id, string redis) : LivePortal(dataDirectory)
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Instance:Id", id);
            builder.UseSetting("ScaleOut:LeaseSeconds", "3");
            builder.UseSetting("Redis:Configuration", redis);
        }
    }
}
