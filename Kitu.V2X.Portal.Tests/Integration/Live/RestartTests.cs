using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Simulation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// The outbox survives a restart: a command sent but not acked before the portal stopped is resent after it starts
/// again, once; commands running when the portal was killed are resumed (the same id again, a renewal) by the new host.
/// </summary>
public sealed class RestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_restart_in_the_middle_of_a_dispatch_resumes_from_the_outbox_without_losing_or_doubling()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        Guid commandId, evseId, vehicleId;
        string identifier;
        await using (var first = LivePortal.On(dataDirectory))
        {
            first.KeepData = true;
            await using var rig = await first.RigAsync(soc: 70);
            rig.Evse.Misbehave.IgnoreCommands = true; // the EVSE gets the command but the portal stops before any ack
            await rig.DispatchAsync(kw: 5);
            var sent = await rig.UntilStateAsync(CommandState.Sent);
            (commandId, evseId, vehicleId, identifier) = (sent.Id, rig.EvseId, rig.VehicleId, rig.Ev.Identifier);
        }

        await using var second = LivePortal.On(dataDirectory);
        string secret;
        await using (var scope = second.Services.CreateAsyncScope())
        {
            secret = await scope.ServiceProvider.GetRequiredService<EvseProvisioning>().IssueAsync(evseId, Ct);
        }

        await using var evse = new VirtualEvse(evseId, secret, second.Address, 11, new VirtualEv(identifier, 60, 70, true), TimeProvider.System, TimeSpan.FromSeconds(1), reconnect: ReconnectBackOff.Eager);
        await evse.StartAsync(Ct);
        var probe = new Rig(second, evseId, vehicleId, Guid.Empty, "", secret, evse, evse.Ev!);

        var running = await probe.UntilStateAsync(CommandState.Running, TimeSpan.FromSeconds(20));

        Assert.Equal(commandId, running.Id);
        Assert.Equal(1, evse.Executions);
        Assert.All(evse.Received, id => Assert.Equal(commandId, id));
        await using var check = second.Services.CreateAsyncScope();
        Assert.Equal(1, await check.ServiceProvider.GetRequiredService<PortalDbContext>().DischargeCommands.CountAsync(c => c.VehicleId == vehicleId, Ct));
    }

    [Fact]
    public async Task Three_cars_running_when_the_portal_is_killed_run_on_under_the_new_host_each_command_executed_once()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        var first = LivePortal.On(dataDirectory);
        first.KeepData = true;
        var port = first.Address.Port;
        var rigs = new List<Rig>();
        for (var i = 0; i < 3; i++)
        {
            rigs.Add(await first.RigAsync(soc: 80));
        }

        var eventId = await rigs[0].DispatchEventForAllAsync(rigs);
        var running = new List<DischargeCommand>();
        foreach (var rig in rigs)
        {
            running.Add(await rig.UntilStateAsync(CommandState.Running));
        }

        await first.DisposeAsync(); // the EVSEs keep discharging through the outage, until their fail-safe deadlines

        // The grid layer kept each charger's rules for the restart, to go on with until its first read.
        await using (var grid = first.OpenGridStore())
        {
            var kept = await grid.GridRulesSnapshots.AsNoTracking().Select(r => r.EvseId).ToListAsync(Ct);
            Assert.Superset(rigs.Select(r => r.EvseId).ToHashSet(), kept.ToHashSet());
        }

        var toldBefore = rigs.Select(r => r.Evse.GridReceived.Count).ToList();
        await using var second = LivePortal.On(dataDirectory, port); // same data, same address: the EVSEs reconnect by themselves
        try
        {
            foreach (var (rig, before) in rigs.Zip(running))
            {
                var probe = rig.On(second);
                await probe.UntilAsync(async () => (await probe.AuditAsync()).Any(a => a.CommandId == before.Id && a.Outcome == "resumed after a restart"), "the command is resumed", TimeSpan.FromSeconds(30));
                var now = await probe.CommandAsync();
                Assert.Equal(before.Id, now!.Id);
                Assert.True(now.State == CommandState.Running, $"The resumed command is {now.State} ({now.ReasonCode}). Audit: {string.Join("; ", (await probe.AuditAsync()).Select(a => $"{a.Outcome} [{string.Join(",", a.Reasons.Select(r => r.Id))}]"))}");
                Assert.True(now.FailSafeDeadline > before.FailSafeDeadline);
                Assert.Equal(1, rig.Evse.Executions);
                Assert.All(rig.Evse.Received, id => Assert.Equal(before.Id, id));
                Assert.Single(await probe.CommandsAsync());
                Assert.Equal(["accepted", "sent", "acked", "running", "resumed"], (await probe.AuditAsync()).Select(a => a.Outcome.Split(' ')[0]));
            }

            // Never told "not bound" by the new host: the grid sessions and their kept rules exist before it listens.
            foreach (var (rig, told) in rigs.Zip(toldBefore))
            {
                Assert.All(rig.Evse.GridReceived.Skip(told), g => Assert.True(g.Integrated, "An EVSE was told it is not grid-integrated after the restart."));
            }

            await using var check = second.Services.CreateAsyncScope();
            Assert.Equal(3, await check.ServiceProvider.GetRequiredService<PortalDbContext>().DischargeCommands.CountAsync(c => c.EventId == eventId, Ct));
        }
        finally
        {
            foreach (var rig in rigs)
            {
                await rig.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_charger_back_after_the_link_grace_but_before_its_deadline_is_resumed_not_replaced()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));
        var first = LivePortal.On(dataDirectory);
        first.KeepData = true;
        var port = first.Address.Port;
        await using var rig = await first.RigAsync(soc: 80);
        await rig.DispatchAsync(kw: 5);
        var before = await rig.UntilStateAsync(CommandState.Running);
        await first.DisposeAsync();
        await rig.Evse.DropLinkAsync(); // this charger is slow to come back (a fleet reconnecting with back-off)

        await using var second = LivePortal.On(dataDirectory, port);
        var probe = rig.On(second);
        await Task.Delay(TimeSpan.FromSeconds(6), Ct); // twice the link grace (3 s here), well within the 120 s fail-safe deadline
        Assert.Equal(CommandState.Running, (await probe.CommandAsync())!.State);

        await rig.Evse.ReconnectAsync(Ct);
        await probe.UntilAsync(async () => (await probe.AuditAsync()).Any(a => a.CommandId == before.Id && a.Outcome == "resumed after a restart"), "the command is resumed", TimeSpan.FromSeconds(20));
        Assert.Single(await probe.CommandsAsync());
        Assert.Equal(1, rig.Evse.Executions);
        Assert.All(rig.Evse.Received, id => Assert.Equal(before.Id, id));
    }

    [Fact]
    public async Task A_portal_stopping_with_chargers_connected_refuses_new_requests_and_does_not_wait_out_its_shutdown_timeout()
    {
        var portal = LivePortal.On(Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N")));
        await using var rig = await portal.RigAsync(soc: 80); // its EVSE reconnects at once when the portal closes its link
        using var http = new HttpClient { BaseAddress = portal.Address };
        Task<HttpResponseMessage>? during = null;
        portal.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping
            .Register(() => during = http.GetAsync("/healthz", CancellationToken.None));

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await portal.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"The portal took {stopping.Elapsed.TotalSeconds:0} s to stop (its shutdown timeout is 30 s).");
        Assert.NotNull(during);
        try
        {
            using var response = await during!;
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The listener was already closed: refused as well.
        }
    }
}
