using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;
using Kitu.V2X.Portal.Sites;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// An event survives interruptions: a stop for a reason that clears (the grid, the owner, the link) is not the end —
/// once the fact clears the car takes part again as a new segment, within one pass, and the audit shows each segment.
/// A portal of its own: its sandbox's cease to energize reaches every charger bound to it.
/// </summary>
public sealed class InterruptionTests(InterruptionTests.Portal portal) : IClassFixture<InterruptionTests.Portal>
{
    /// <summary>After a stop for a reason that clears, the fact clears and the next pass sends the new segment: well within this.</summary>
    private static readonly TimeSpan OnePass = TimeSpan.FromSeconds(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cease_to_energize_lifted_mid_event_lets_the_car_discharge_again_within_one_pass()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        var sandbox = portal.Services.GetRequiredService<SandboxState>();
        var worker = portal.Services.GetRequiredService<GridClientWorker>();
        await rig.DispatchAsync(kw: 5);
        var first = await rig.UntilStateAsync(CommandState.Running);

        var cease = sandbox.CeaseToEnergize(TimeSpan.FromMinutes(10));
        await worker.PollNowAsync(rig.EvseId, Ct);
        var stopped = await rig.UntilStateAsync(CommandState.Stopped);
        Assert.Equal("grid.cease_to_energize", stopped.ReasonCode);
        await rig.UntilAsync(() => rig.Evse.ActiveCommand is null, "the charger stops");

        Assert.True(sandbox.Cancel(cease));
        await worker.PollNowAsync(rig.EvseId, Ct);
        var second = await rig.UntilFoundAsync(async () => (await rig.CommandsAsync()).SingleOrDefault(c => c.Segment == 2), "a second segment", OnePass);

        await rig.UntilStateAsync(CommandState.Running);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, rig.Evse.Executions);
        var audit = await rig.AuditAsync();
        Assert.Equal(["accepted", "sent", "acked", "running", "stopped", "accepted", "sent", "acked", "running"], audit.Where(a => a.Outcome != "refused").Select(a => a.Outcome.Split(' ')[0]));
        Assert.All(audit.Where(a => a.Outcome == "refused"), a => Assert.Contains(a.Reasons, r => r.Code == ReasonCode.GridCeaseToEnergize));
    }

    [Fact]
    public async Task Grid_rules_that_return_after_an_unbind_let_the_car_discharge_again()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        await rig.DispatchAsync(kw: 5);
        await rig.UntilStateAsync(CommandState.Running);
        await using var scope = portal.Services.CreateAsyncScope();
        var binding = scope.ServiceProvider.GetRequiredService<GridBindingService>();

        await binding.UnbindAsync(rig.EvseId, Ct);
        Assert.Equal("evse.not_bound", (await rig.UntilStateAsync(CommandState.Stopped)).ReasonCode);
        var server = (await binding.ServersAsync(Ct)).Single(s => s.Name == "Sandbox Utility");
        await binding.BindAsync(new BindRequest(rig.EvseId, server.Id, "111115", 11, 11), Ct);

        await rig.UntilAsync(async () => (await rig.CommandsAsync()).Any(c => c.Segment == 2 && c.State == CommandState.Running), "the car discharges again", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task An_owner_who_forbids_then_allows_discharge_again_gets_the_car_discharging_again()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        await rig.DispatchAsync(kw: 5);
        await rig.UntilStateAsync(CommandState.Running);
        await using var scope = portal.Services.CreateAsyncScope();
        var owner = (await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(Demo.DemoAccounts.Fleet.Email))!.Id;
        var grid = scope.ServiceProvider.GetRequiredService<ChargerGridSwitch>();

        Assert.True(await grid.SetAllowDischargeAsync(owner, rig.EvseId, false, Ct));
        Assert.Equal("evse.discharge_not_allowed", (await rig.UntilStateAsync(CommandState.Stopped)).ReasonCode);
        Assert.True(await grid.SetAllowDischargeAsync(owner, rig.EvseId, true, Ct));

        await rig.UntilAsync(async () => (await rig.CommandsAsync()).Any(c => c.Segment == 2 && c.State == CommandState.Running), "the car discharges again", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_link_that_comes_back_after_the_grace_time_gets_the_car_discharging_again_once()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        await rig.DispatchAsync(kw: 5);
        var first = await rig.UntilStateAsync(CommandState.Running);

        await rig.Evse.DropLinkAsync();
        Assert.Equal("evse.link_lost", (await rig.UntilStateAsync(CommandState.Interrupted)).ReasonCode);
        await rig.Evse.ReconnectAsync(Ct);

        // The charger still ran the old command through the outage: it is told to stop it, then gets the new segment.
        await rig.UntilAsync(async () => (await rig.CommandsAsync()).Any(c => c.Segment == 2 && c.State == CommandState.Running), "the car discharges again", TimeSpan.FromSeconds(10));
        Assert.Contains(rig.Evse.Stops, s => s.CommandId == first.Id);
        Assert.Equal(2, rig.Evse.Executions);
        Assert.Equal(2, rig.Evse.Received.Distinct().Count());
    }

    [Fact]
    public async Task A_car_its_driver_stopped_stays_stopped_for_the_event_until_the_driver_resumes()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        await rig.DispatchAsync(kw: 5);
        await rig.UntilStateAsync(CommandState.Running);

        Assert.True(await portal.Mediator.StopByDriverAsync(rig.VehicleId, Ct));
        await portal.Mediator.PassNowAsync(Ct);
        await portal.Mediator.PassNowAsync(Ct);
        Assert.Single(await rig.CommandsAsync());
        Assert.Equal("ev.stopped_by_driver", (await rig.CommandAsync())!.ReasonCode);

        Assert.True(await portal.Mediator.ResumeByDriverAsync(rig.VehicleId, Ct));
        await rig.UntilAsync(async () => (await rig.CommandsAsync()).Any(c => c.Segment == 2 && c.State == CommandState.Running), "the car discharges again");
    }

    /// <summary>A live portal for this class alone, with no enter-service wait after a cease (so segments follow at once).</summary>
    public sealed class Portal : LivePortal
    {
        public Portal()
        {
            var defaults = SandboxState.EnterServiceDefault();
            defaults.SetEsDelay = 0;
            defaults.SetEsRampTms = 0;
            Services.GetRequiredService<SandboxState>().SetDefault(0, defaults);
        }
    }
}
