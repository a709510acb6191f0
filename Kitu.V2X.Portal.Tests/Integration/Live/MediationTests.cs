using System.Net;
using System.Diagnostics;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>Program events to discharge commands, end to end: mediator, outbox, real SignalR, virtual EVSEs.</summary>
public sealed class MediationTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_accepted_event_is_acked_runs_moves_the_soc_and_completes_at_the_event_end()
    {
        await using var rig = await portal.RigAsync(soc: 70);

        var eventId = await rig.DispatchAsync(kw: 5);

        var running = await rig.UntilStateAsync(CommandState.Running);
        Assert.Equal(5, running.Kw);
        Assert.Equal(-5, rig.Evse.PowerKw);
        await rig.UntilAsync(() => rig.Ev.SocPercent < 70, "the car's SoC falls");

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            await db.ProgramEvents.Where(e => e.Id == eventId).ExecuteUpdateAsync(s => s.SetProperty(e => e.End, DateTimeOffset.UtcNow), Ct);
        }

        var completed = await rig.UntilStateAsync(CommandState.Completed);
        Assert.Equal("program.event_ended", completed.ReasonCode);
        await rig.UntilAsync(() => rig.Evse.ActiveCommand is null, "the EVSE stops");
        Assert.Equal(1, rig.Evse.Executions);
        await using var audit = portal.Services.CreateAsyncScope();
        var outcomes = await audit.ServiceProvider.GetRequiredService<PortalDbContext>().AuditEntries.AsNoTracking()
            .Where(a => a.CommandId == completed.Id || (a.EventId == eventId && a.CommandId == null)).OrderBy(a => a.Id).Select(a => a.Outcome).ToListAsync(Ct);
        Assert.Equal(["accepted", "sent", "acked", "running", "completed"], outcomes.Select(o => o.Split(' ')[0]));
    }

    [Fact]
    public async Task An_evse_speaking_messagepack_gets_its_grid_rules_and_runs_a_command_like_a_json_one()
    {
        await using var rig = await portal.RigAsync(soc: 70, messagePack: true);
        Assert.True(rig.Evse.Grid!.Integrated);
        Assert.NotNull(rig.Evse.Grid.ValidUntil);

        await rig.DispatchAsync(kw: 5);

        var running = await rig.UntilStateAsync(CommandState.Running);
        Assert.Equal(-5, rig.Evse.PowerKw);
        Assert.True(running.FailSafeDeadline > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task An_event_with_a_total_target_asks_a_car_for_no_more_than_the_target()
    {
        await using var rig = await portal.RigAsync(soc: 70);

        await rig.DispatchAsync(totalTargetKw: 4);

        var running = await rig.UntilStateAsync(CommandState.Running);
        Assert.Equal(4, running.Kw);
        Assert.Equal(-4, rig.Evse.PowerKw);
    }

    [Fact]
    public async Task A_charger_that_is_not_bound_is_refused_with_its_reason_and_no_command_is_sent()
    {
        await using var rig = await portal.RigAsync(bind: false);

        await rig.DispatchAsync();

        var decision = await rig.DecisionAsync();
        Assert.False(decision!.Accepted);
        Assert.Contains(decision.Reasons, r => r.Code == ReasonCode.EvseNotBound);
        Assert.Null(await rig.CommandAsync());
        Assert.Empty(rig.Evse.Received);
    }

    [Fact]
    public async Task A_car_at_its_floor_is_refused_with_its_reason()
    {
        await using var rig = await portal.RigAsync(soc: 39, floor: 40);

        await rig.DispatchAsync();

        var decision = await rig.DecisionAsync();
        Assert.Contains(decision!.Reasons, r => r.Code == ReasonCode.EvSocAtFloor);
        Assert.Null(await rig.CommandAsync());
    }

    [Fact]
    public async Task An_ac_charger_with_a_car_without_j3072_is_refused_with_its_reason()
    {
        await using var rig = await portal.RigAsync(current: CurrentType.Ac, j3072: false);

        await rig.DispatchAsync();

        var decision = await rig.DecisionAsync();
        Assert.Contains(decision!.Reasons, r => r.Code == ReasonCode.EvseAcVehicleWithoutJ3072);
    }

    [Fact]
    public async Task The_evse_s_own_refusal_ends_the_command_as_rejected_with_its_reason()
    {
        // The EVSE was told its owner forbids discharge; the portal's copy says allowed (changed behind its back).
        await using var rig = await portal.RigAsync(allow: false);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Evses.Where(e => e.Id == rig.EvseId)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.OwnerAllowsDischarge, true), Ct);
        }

        await rig.DispatchAsync();

        var rejected = await rig.UntilStateAsync(CommandState.Rejected);
        Assert.Equal(EvseRejectReasons.OwnerForbids, rejected.ReasonCode);
        Assert.Equal(0, rig.Evse.Executions);
    }

    [Fact]
    public async Task Power_that_does_not_follow_the_command_ends_it_as_not_followed()
    {
        await using var rig = await portal.RigAsync();
        rig.Evse.Misbehave.ReportPowerKw = -1;

        await rig.DispatchAsync(kw: 5);

        var notFollowed = await rig.UntilStateAsync(CommandState.NotFollowed);
        Assert.Equal("evse.not_followed", notFollowed.ReasonCode);
        await rig.UntilAsync(() => rig.Evse.Stops.Any(s => s.CommandId == notFollowed.Id), "the EVSE is told to stop");
    }

    [Fact]
    public async Task A_command_the_evse_never_acks_is_resent_with_the_same_id_then_interrupted()
    {
        await using var rig = await portal.RigAsync();
        rig.Evse.Misbehave.IgnoreCommands = true;

        await rig.DispatchAsync();

        var interrupted = await rig.UntilStateAsync(CommandState.Interrupted, TimeSpan.FromSeconds(20));
        Assert.Equal("evse.no_ack", interrupted.ReasonCode);
        Assert.True(rig.Evse.Received.Count >= 2, $"sent {rig.Evse.Received.Count} times");
        Assert.All(rig.Evse.Received, id => Assert.Equal(interrupted.Id, id));
    }

    [Fact]
    public async Task Crossing_the_soc_floor_stops_the_running_discharge()
    {
        await using var rig = await portal.RigAsync(soc: 45, floor: 40);
        await rig.DispatchAsync(kw: 5);
        var running = await rig.UntilStateAsync(CommandState.Running);

        rig.Ev.SocPercent = 39.5;
        await rig.Evse.ReportAsync();

        var stopped = await rig.UntilStateAsync(CommandState.Stopped);
        Assert.Equal("ev.soc_at_floor", stopped.ReasonCode);
        await rig.UntilAsync(() => rig.Evse.Stops.Any(s => s.CommandId == running.Id && s.Reason == "ev.soc_at_floor"), "the EVSE is told why it stops");
    }

    [Fact]
    public async Task Withdrawing_consent_stops_the_evse_within_a_second()
    {
        await using var rig = await portal.RigAsync();
        await rig.DispatchAsync(kw: 5);
        var running = await rig.UntilStateAsync(CommandState.Running);

        var clock = Stopwatch.StartNew();
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<DriverNow>().SetConsentAsync(rig.DriverId, rig.VehicleId, false, Ct));
        }

        await rig.UntilAsync(() => rig.Evse.ActiveCommand is null, "the EVSE stops", TimeSpan.FromSeconds(1));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.ElapsedMilliseconds} ms");
        Assert.Contains(rig.Evse.Stops, s => s.CommandId == running.Id && s.Reason == "ev.no_consent");
        Assert.Equal(CommandState.Stopped, (await rig.CommandAsync())!.State);
    }

    [Fact]
    public async Task The_stop_endpoint_stops_the_caller_s_own_car_and_nobody_else_s()
    {
        await using var rig = await portal.RigAsync();
        await rig.DispatchAsync(kw: 5);
        var running = await rig.UntilStateAsync(CommandState.Running);
        var path = DriverStopEndpoint.Path.Replace("{vehicleId:guid}", rig.VehicleId.ToString(), StringComparison.Ordinal);

        using var anonymous = portal.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = portal.Address });
        var anonymousResponse = await anonymous.PostAsync(path, null, Ct);
        Assert.NotEqual(HttpStatusCode.NoContent, anonymousResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousResponse.StatusCode); // an API answer, not the login page

        using var other = portal.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = portal.Address });
        await FormClient.LoginAsync(other, Demo.DemoAccounts.Owner.Email);
        using var otherRequest = new HttpRequestMessage(HttpMethod.Post, path) { Headers = { { DriverStopEndpoint.RequestHeader, "1" } } };
        var otherResponse = await other.SendAsync(otherRequest, Ct);
        Assert.True(otherResponse.StatusCode == HttpStatusCode.NotFound, $"{otherResponse.StatusCode}: {otherResponse.Headers} {otherResponse.Content.Headers} {await otherResponse.Content.ReadAsStringAsync(Ct)}");

        using var driver = portal.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = portal.Address });
        await FormClient.LoginAsync(driver, Demo.DemoAccounts.Driver.Email);
        Assert.Equal(HttpStatusCode.BadRequest, (await driver.PostAsync(path, null, Ct)).StatusCode); // no header: a cross-site form
        Assert.Equal(CommandState.Running, (await rig.CommandAsync())!.State);

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Headers = { { DriverStopEndpoint.RequestHeader, "1" } } };
        Assert.Equal(HttpStatusCode.NoContent, (await driver.SendAsync(request, Ct)).StatusCode);
        await rig.UntilAsync(() => rig.Evse.ActiveCommand is null, "the EVSE stops");
        Assert.Contains(rig.Evse.Stops, s => s.CommandId == running.Id && s.Reason == "ev.stopped_by_driver");
        Assert.Equal(CommandState.Stopped, (await rig.CommandAsync())!.State);
    }

    [Fact]
    public async Task Another_driver_cannot_stop_or_change_consent_of_a_car_that_is_not_theirs()
    {
        await using var rig = await portal.RigAsync();
        await rig.DispatchAsync(kw: 5);
        await rig.UntilStateAsync(CommandState.Running);
        await using var scope = portal.Services.CreateAsyncScope();
        var now = scope.ServiceProvider.GetRequiredService<DriverNow>();

        Assert.False(await now.StopNowAsync("someone-else", rig.VehicleId, Ct));
        Assert.False(await now.SetConsentAsync("someone-else", rig.VehicleId, false, Ct));
        Assert.Empty(await now.CarsAsync("someone-else", Ct));
        Assert.Equal(CommandState.Running, (await rig.CommandAsync())!.State);
    }

    [Fact]
    public async Task A_reconnect_in_the_middle_of_a_command_never_runs_it_twice()
    {
        await using var rig = await portal.RigAsync();
        await rig.DispatchAsync(kw: 5);
        var running = await rig.UntilStateAsync(CommandState.Running);

        var gap = System.Diagnostics.Stopwatch.StartNew();
        await rig.Evse.DropLinkAsync();
        await rig.Evse.ReconnectAsync(Ct);
        gap.Stop();
        await Task.Delay(1500, Ct);
        await portal.Mediator.PassNowAsync(Ct);

        Assert.Equal(1, rig.Evse.Executions);
        var after = await rig.CommandAsync();
        if (gap.Elapsed >= TimeSpan.FromSeconds(3))
        {
            // A busy machine took longer than the link grace (3 s here) to reconnect: then the link counts as lost, and
            // the command must be interrupted for that reason, never sent again.
            Assert.Equal("evse.link_lost", after!.ReasonCode);
            return;
        }

        Assert.True(running.Id == rig.Evse.ActiveCommand, $"EVSE active {rig.Evse.ActiveCommand}; command {after!.State} {after.ReasonCode} {after.ReasonText}; stops {string.Join(",", rig.Evse.Stops)}");
        Assert.Equal(CommandState.Running, (await rig.CommandAsync())!.State);
        await using var scope = portal.Services.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<PortalDbContext>().DischargeCommands.CountAsync(c => c.VehicleId == rig.VehicleId, Ct));
    }

    [Fact]
    public async Task A_lost_link_interrupts_the_command_after_the_grace_time()
    {
        await using var rig = await portal.RigAsync();
        await rig.DispatchAsync(kw: 5);
        await rig.UntilStateAsync(CommandState.Running);

        await rig.Evse.DropLinkAsync();

        var interrupted = await rig.UntilStateAsync(CommandState.Interrupted);
        Assert.Equal("evse.link_lost", interrupted.ReasonCode);
        Assert.Equal(interrupted.Id, rig.Evse.ActiveCommand); // still discharging on its own, until its fail-safe deadline

        await rig.Evse.ReconnectAsync(Ct);

        await rig.UntilAsync(() => rig.Evse.ActiveCommand is null, "the reconnected EVSE is told to stop the interrupted command");
        Assert.Equal(1, rig.Evse.Executions);
    }
}
