using System.Net;
using Kitu.V2X.Portal.Api;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Hubs;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// EV-executed programs (seed A.2.2): the command travels over the car maker's telematics link, the car discharges
/// through its EVSE — which still enforces the grid's rules and its owner's policy — and the car reports whether it
/// is followed.
/// </summary>
public sealed class TelematicsTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_ev_executed_event_goes_to_the_car_over_its_maker_s_link_runs_and_the_driver_can_stop_it()
    {
        await using var rig = await portal.RigAsync(soc: 70, executor: ProgramExecutor.Ev);

        await rig.DispatchAsync(kw: 5);

        var running = await rig.UntilStateAsync(CommandState.Running);
        Assert.Equal(ProgramExecutor.Ev, running.Executor);
        Assert.Equal(rig.MakerId, running.TelematicsOperatorId);
        Assert.Equal(-5, running.MeasuredKw);
        Assert.Contains(running.Id, rig.Telematics!.Received);
        Assert.Empty(rig.Evse.Received); // the EVSE got no command: the car runs it
        Assert.Equal(-5, rig.Evse.PowerKw); // but the discharge flows through the EVSE
        await rig.UntilAsync(() => rig.Ev.SocPercent < 70, "the car's SoC falls");

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<DriverNow>().StopNowAsync(rig.DriverId, rig.VehicleId, Ct));
        }

        await rig.UntilAsync(() => rig.Evse.PowerKw == 0, "the car stops discharging through the EVSE");
        Assert.Contains(rig.Telematics.Stops, s => s.CommandId == running.Id && s.Reason == "ev.stopped_by_driver");
        Assert.Equal(CommandState.Stopped, (await rig.CommandAsync())!.State);
    }

    [Fact]
    public async Task Without_the_maker_s_link_an_ev_executed_event_is_refused_with_its_reason()
    {
        await using var rig = await portal.RigAsync(executor: ProgramExecutor.Ev, telematicsOnline: false);

        await rig.DispatchAsync();

        var decision = await rig.DecisionAsync();
        Assert.False(decision!.Accepted);
        Assert.Equal([ReasonCode.EvNoTelematicsLink], decision.Reasons.Select(r => r.Code));
        Assert.Null(await rig.CommandAsync());
    }

    [Fact]
    public async Task The_evse_still_applies_its_own_checks_when_the_car_asks_to_discharge()
    {
        // The EVSE was told its owner forbids discharge; the portal's copy says allowed (changed behind its back).
        await using var rig = await portal.RigAsync(allow: false, executor: ProgramExecutor.Ev);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Evses.Where(e => e.Id == rig.EvseId)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.OwnerAllowsDischarge, true), Ct);
        }

        await rig.DispatchAsync();

        var rejected = await rig.UntilStateAsync(CommandState.Rejected);
        Assert.Equal(EvseRejectReasons.OwnerForbids, rejected.ReasonCode);
        Assert.Equal(0, rig.Evse.PowerKw);
    }

    [Fact]
    public async Task A_lost_maker_link_interrupts_the_command_after_the_grace_time()
    {
        await using var rig = await portal.RigAsync(executor: ProgramExecutor.Ev);
        await rig.DispatchAsync(kw: 5);
        await rig.UntilStateAsync(CommandState.Running);

        await rig.Telematics!.DropLinkAsync();

        var interrupted = await rig.UntilStateAsync(CommandState.Interrupted);
        Assert.Equal("ev.link_lost", interrupted.ReasonCode);
    }

    [Fact]
    public async Task The_car_s_own_judgement_that_a_command_is_not_followed_ends_it_with_the_car_s_reason()
    {
        await using var rig = await portal.RigAsync(executor: ProgramExecutor.Ev, telematicsOnline: false);
        await using var cloud = await ConnectAsync(rig.MakerKey);
        var commands = new List<VehicleCommandMessage>();
        cloud.On<VehicleCommandMessage>(nameof(ITelematicsClient.Discharge), c => { lock (commands) { commands.Add(c); } });
        await rig.UntilAsync(() => portal.Services.GetRequiredService<TelematicsLinks>().IsOnline(rig.MakerId), "the hand-made link is up");

        await rig.DispatchAsync(kw: 5);
        await rig.UntilAsync(() => { lock (commands) { return commands.Count > 0; } }, "the command reaches the maker's cloud");
        var command = commands[0];
        await cloud.InvokeAsync("Ack", command.CommandId, Ct);
        await cloud.InvokeAsync("Report", new VehicleReportMessage(command.CommandId, command.VehicleIdentifier, 0, 60, false, "evse.grid_code_fault"), Ct);

        var notFollowed = await rig.UntilStateAsync(CommandState.NotFollowed);
        Assert.Equal("ev.not_followed", notFollowed.ReasonCode); // the catalogue's id; the car's own code is kept in the sentence
        Assert.Contains("evse.grid_code_fault", notFollowed.ReasonText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_a_car_maker_s_key_opens_the_link_and_a_link_answers_only_for_its_own_commands()
    {
        await using var rig = await portal.RigAsync(executor: ProgramExecutor.Ev);
        await rig.DispatchAsync(kw: 5);
        var running = await rig.UntilStateAsync(CommandState.Running);

        // No key: the WebSocket upgrade is refused.
        var noKey = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(null));
        Assert.Contains("401", noKey.Message, StringComparison.Ordinal);

        // A utility's key is a valid API key, but not a car maker's: the link is closed at once.
        var (utilityKey, otherMakerKey) = await KeysAsync();
        await using (var utilityLink = new HubConnectionBuilder().WithUrl(new Uri(portal.Address, TelematicsHub.Path), HttpTransportType.WebSockets, o =>
        {
            o.Headers[ApiKeyAuthentication.Header] = utilityKey;
            o.SkipNegotiation = true;
        }).Build())
        {
            try
            {
                await utilityLink.StartAsync(Ct);
            }
            catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException)
            {
                // closed during the handshake: as good as after it
            }

            await rig.UntilAsync(() => utilityLink.State == HubConnectionState.Disconnected, "the utility's link is closed");
        }

        // Another car maker's link may neither ack nor report the command.
        await using var other = await ConnectAsync(otherMakerKey);
        await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync("Ack", running.Id, Ct));
        await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync("Report", new VehicleReportMessage(running.Id, "CAR", 0, 50, false, "x"), Ct));
        await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync("Report", new VehicleReportMessage(running.Id, "CAR", -5_000, 50, true, null), Ct));
        Assert.Equal(CommandState.Running, (await rig.CommandAsync())!.State);
    }

    private async Task<HubConnection> ConnectAsync(string? key)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.Address, TelematicsHub.Path), HttpTransportType.WebSockets, o =>
            {
                if (key is not null)
                {
                    o.Headers[ApiKeyAuthentication.Header] = key;
                }

                o.SkipNegotiation = true;
            })
            .Build();
        await connection.StartAsync(Ct);
        return connection;
    }

    private async Task<(string Utility, string OtherMaker)> KeysAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var utility = new ProgramOperator { Name = $"Utility {Guid.NewGuid():N}", Kind = OperatorKind.Utility };
        var maker = new ProgramOperator { Name = $"Maker {Guid.NewGuid():N}", Kind = OperatorKind.Oem, VehicleMakes = ["Other"] };
        var (utilityKey, a) = OperatorApiKey.Issue(utility.Id, "k", DateTimeOffset.UtcNow);
        var (makerKey, b) = OperatorApiKey.Issue(maker.Id, "k", DateTimeOffset.UtcNow);
        db.AddRange(utility, maker, a, b);
        await db.SaveChangesAsync(Ct);
        return (utilityKey, makerKey);
    }
}
