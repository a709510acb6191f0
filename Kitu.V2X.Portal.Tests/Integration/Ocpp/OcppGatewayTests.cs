using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Ocpp;
using Kitu.V2X.Portal.Sandbox;
using Kitu.V2X.Portal.Sites;
using Kitu.V2X.Portal.Tests.Integration.Live;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Ocpp;

/// <summary>
/// The OCPP gateway end to end with a third-party OCPP-J client (ocpp-rpc, strict schema mode, run by Node) as the
/// charging station: a portal of its own, since its sandbox's grid events reach every charger bound to it.
/// </summary>
public sealed partial class OcppGatewayTests(OcppGatewayTests.Portal portal) : IClassFixture<OcppGatewayTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed class Portal : LivePortal;

    private static string NewStationId() => "KITU-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    private async Task<(Rig Rig, NodeStation Station)> ConnectedAsync(string subprotocol = "ocpp2.1", double soc = 70, bool allow = true, bool plug = true)
    {
        var stationId = NewStationId();
        var rig = await portal.RigAsync(soc: soc, allow: allow, ocppStationId: stationId);
        var station = await NodeStation.StartAsync(portal.Address, stationId, rig.Secret, subprotocol);
        await station.ConnectAsync();
        await station.BootAsync();
        if (plug)
        {
            await station.PlugAsync(rig.Ev.Identifier, soc, "DC", "DC_BPT");
            var connections = portal.Services.GetRequiredService<EvseConnections>();
            await rig.UntilAsync(() => connections.WhereIs(rig.Ev.Identifier)?.EvseId == rig.EvseId, "the car's contract id, a claim at a charger its driver trusts, places it at the station");
        }

        return (rig, station);
    }

    [Fact]
    public async Task A_station_boots_over_ocpp_2_1_with_its_password_and_a_wrong_password_or_an_old_protocol_is_refused()
    {
        var (rig, station) = await ConnectedAsync(plug: false);
        await using (rig)
        await using (station)
        {
            var live = portal.Services.GetRequiredService<EvseConnections>().Get(rig.EvseId);
            Assert.NotNull(live);
            Assert.Equal("ocpp2.1", live.Link.Transport);
            Assert.True(live.Link.CarriesDischarge);
            await rig.UntilAsync(() => live.Hello?.Make == "ocpp-rpc test", "the boot notification names the station");
            await station.UntilReceivedAsync("TriggerMessage", t => (string?)t["requestedMessage"] == "StatusNotification", "the portal asks the station for its status");

            // The 40-character password OCPP allows, and the same station id with a wrong one is refused (401).
            Assert.Equal(40, rig.Secret.Length);
            using var http = new HttpClient();
            using var wrong = new ClientWebSocket();
            wrong.Options.AddSubProtocol("ocpp2.1");
            wrong.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{StationIdOf(rig)}:{new string('x', 40)}")));
            wrong.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => wrong.ConnectAsync(Ws(StationIdOf(rig)), Ct));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.HttpStatusCode);

            // OCPP 1.6 is not spoken: no subprotocol in common, refused before any authentication.
            using var old = new ClientWebSocket();
            old.Options.AddSubProtocol("ocpp1.6");
            old.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => old.ConnectAsync(Ws(StationIdOf(rig)), Ct));
            Assert.Equal(HttpStatusCode.BadRequest, old.HttpStatusCode);

            // A browser (an Origin header) may never speak for a station.
            using var browser = new ClientWebSocket();
            browser.Options.AddSubProtocol("ocpp2.1");
            browser.Options.SetRequestHeader("Origin", "https://evil.example");
            browser.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{StationIdOf(rig)}:{rig.Secret}")));
            browser.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() => browser.ConnectAsync(Ws(StationIdOf(rig)), Ct));
            Assert.Equal(HttpStatusCode.Forbidden, browser.HttpStatusCode);
        }
    }

    [Fact]
    public async Task A_dispatch_becomes_a_v2x_discharge_profile_and_the_drivers_stop_becomes_charging_only()
    {
        var (rig, station) = await ConnectedAsync();
        await using (rig)
        await using (station)
        {
            // Bidirectional transfer allowed: the owner allows discharge.
            var allowed = await station.UntilReceivedAsync("NotifyAllowedEnergyTransfer");
            Assert.Contains("DC_BPT", allowed["allowedEnergyTransfer"]!.AsArray().Select(m => (string?)m));

            await rig.DispatchAsync(kw: 5);
            var profile = await station.UntilReceivedAsync("SetChargingProfile", p => Mode(p) == "CentralSetpoint", "the decision reaches the station as a V2X profile");
            var chargingProfile = profile["chargingProfile"]!;
            var period = chargingProfile["chargingSchedule"]![0]!["chargingSchedulePeriod"]![0]!;
            Assert.Equal(-5000, (double)period["setpoint"]!);
            Assert.Equal(-5000, (double)period["dischargeLimit"]!);
            Assert.Equal("TxProfile", (string?)chargingProfile["chargingProfilePurpose"]);
            var running = await rig.UntilStateAsync(CommandState.Running);
            Assert.Equal(running.Id.ToString("D"), (string?)chargingProfile["customData"]!["commandId"]);
            Assert.Equal(running.FailSafeDeadline, DateTimeOffset.Parse((string)chargingProfile["validTo"]!, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(1));

            Assert.True(await portal.Mediator.StopByDriverAsync(rig.VehicleId, Ct));
            await station.UntilReceivedAsync("SetChargingProfile", p => Mode(p) == "ChargingOnly", "the stop reaches the station as charging only");
            await rig.UntilAsync(async () => (await rig.CommandAsync())!.State is CommandState.Stopped or CommandState.Completed, "the command ends");
            Assert.Equal([running.Id.ToString("D")], await station.ExecutionsAsync());
        }
    }

    [Fact]
    public async Task A_refusal_becomes_charging_only_and_a_profile_the_station_rejects_ends_the_command_with_its_reason()
    {
        // The owner does not allow discharge: no bidirectional transfer, and a dispatch is refused for that reason.
        var (rig, station) = await ConnectedAsync(allow: false);
        await using (rig)
        await using (station)
        {
            var allowed = await station.UntilReceivedAsync("NotifyAllowedEnergyTransfer");
            Assert.DoesNotContain(allowed["allowedEnergyTransfer"]!.AsArray(), m => ((string?)m)!.Contains("BPT", StringComparison.Ordinal));
            await station.UntilReceivedAsync("SetChargingProfile", p => Mode(p) == "ChargingOnly", "the car charges only");
            await rig.DispatchAsync(kw: 5);
            await rig.UntilAsync(async () => (await rig.DecisionAsync())?.Reasons.Any(r => r.Id == "evse.discharge_not_allowed") == true, "the refusal says why");
            Assert.DoesNotContain(station.Received("SetChargingProfile"), p => Mode(p) == "CentralSetpoint");
        }

        var (rig2, station2) = await ConnectedAsync();
        await using (rig2)
        await using (station2)
        {
            await station2.AnswerAsync("SetChargingProfile", "Rejected");
            await rig2.DispatchAsync(kw: 5);
            var ended = await rig2.UntilStateAsync(CommandState.Rejected);
            Assert.Equal("evse.rejected", ended.ReasonCode);
            Assert.Empty(await station2.ExecutionsAsync());
        }
    }

    [Fact]
    public async Task A_station_that_reconnects_mid_discharge_is_renewed_never_started_twice()
    {
        var (rig, station) = await ConnectedAsync();
        await using (rig)
        await using (station)
        {
            await rig.DispatchAsync(kw: 5);
            var running = await rig.UntilStateAsync(CommandState.Running);
            var gap = System.Diagnostics.Stopwatch.StartNew();
            await station.DropAsync();
            await station.ConnectAsync(); // a reconnect, not a reboot: its transaction and profile carry on
            gap.Stop();
            await portal.Mediator.PassNowAsync(Ct);
            await Task.Delay(1500, Ct);
            await portal.Mediator.PassNowAsync(Ct);

            var now = await rig.CommandAsync();
            var audit = string.Join("; ", (await rig.AuditAsync()).Select(a => $"{a.CommandId} {a.Outcome} [{string.Join(",", a.Reasons.Select(r => r.Id))}]"));
            if (gap.Elapsed >= TimeSpan.FromSeconds(3))
            {
                // A busy machine took longer than the link grace (3 s here) to reconnect: the link counts as lost, the
                // command ends for that reason and the car may take part again as a new segment — each command once.
                Assert.Contains("evse.link_lost", audit, StringComparison.Ordinal);
                Assert.Equal((await rig.CommandsAsync()).Select(c => c.Id.ToString("D")).Where(id => station.Received("SetChargingProfile").Any(p => (string?)p["chargingProfile"]?["customData"]?["commandId"] == id)).Order(), (await station.ExecutionsAsync()).Order());
                return;
            }

            Assert.True(running.Id == now!.Id, $"A new command replaced the running one after a {gap.Elapsed.TotalSeconds:0.0} s gap. Audit: {audit}. Station: {station.Log()}");
            Assert.Equal([running.Id.ToString("D")], await station.ExecutionsAsync());
            Assert.Single(await rig.CommandsAsync());
        }
    }

    [Fact]
    public async Task An_ocpp_2_0_1_station_charges_and_is_refused_discharge_with_its_own_reason()
    {
        var (rig, station) = await ConnectedAsync(subprotocol: "ocpp2.0.1");
        await using (rig)
        await using (station)
        {
            var live = portal.Services.GetRequiredService<EvseConnections>().Get(rig.EvseId)!;
            Assert.Equal("ocpp2.0.1", live.Link.Transport);
            Assert.False(live.Link.CarriesDischarge);
            await rig.DispatchAsync(kw: 5);
            await rig.UntilAsync(async () => (await rig.DecisionAsync())?.Reasons.Any(r => r.Id == "evse.link_without_v2x") == true, "the refusal names OCPP 2.0.1");
            Assert.Empty(station.Received("SetChargingProfile"));
            Assert.Empty(station.Received("SetDERControl"));
        }
    }

    [Fact]
    public async Task An_ocpp_2_1_station_whose_device_model_says_v2x_is_off_charges_only()
    {
        var stationId = NewStationId();
        var rig = await portal.RigAsync(soc: 70, ocppStationId: stationId);
        var station = await NodeStation.StartAsync(portal.Address, stationId, rig.Secret);
        await using (rig)
        await using (station)
        {
            await station.RunAsync(new JsonObject { ["op"] = "v2x", ["enabled"] = false });
            await station.ConnectAsync();
            await station.BootAsync();
            await station.UntilReceivedAsync("GetBaseReport", what: "the portal asks for the station's device model");
            await station.UntilAsync(e => (string?)e["event"] == "reportSent", "the station reports V2X off");
            var connections = portal.Services.GetRequiredService<EvseConnections>();
            await rig.UntilAsync(() => connections.Get(rig.EvseId)?.Link.CarriesDischarge == false, "the link no longer carries a discharge");

            await station.PlugAsync(rig.Ev.Identifier, 70, "DC", "DC_BPT");
            var allowed = await station.UntilReceivedAsync("NotifyAllowedEnergyTransfer");
            Assert.DoesNotContain(allowed["allowedEnergyTransfer"]!.AsArray(), m => ((string?)m)!.Contains("BPT", StringComparison.Ordinal));
            await rig.DispatchAsync(kw: 5);
            await rig.UntilAsync(async () => (await rig.DecisionAsync())?.Reasons.Any(r => r.Id == "evse.link_without_v2x") == true, "the refusal says the link cannot carry it");
            Assert.DoesNotContain(station.Received("SetChargingProfile"), p => Mode(p) == "CentralSetpoint");
        }
    }

    [Fact]
    public async Task Bad_calls_get_their_callerror_and_the_link_goes_on_and_an_oversized_frame_closes_it()
    {
        var (rig, station) = await ConnectedAsync(plug: false);
        await using (rig)
        await using (station)
        {
            await station.RawAsync("[2,\"bad-1\",\"Heartbeat\",{\"unexpected\":1}]");
            await station.RawAsync("[2,\"bad-2\",\"StatusNotification\",{\"timestamp\":\"now\",\"connectorStatus\":\"Occupied\",\"evseId\":\"one\",\"connectorId\":1}]");
            await station.RawAsync("[2,\"bad-3\",\"NoSuchAction\",{}]");
            await station.RawAsync("not json at all");
            await station.RawAsync("[2,\"bad-4\",\"BootNotification\",{\"reason\":\"PowerUp\"}]");
            await station.UntilAsync(e => Frame(e)?.Contains("\"bad-4\"", StringComparison.Ordinal) == true, "the last bad call is answered");
            Assert.Contains("\"FormatViolation\"", Answer(station, "bad-1"), StringComparison.Ordinal);
            Assert.Contains("\"TypeConstraintViolation\"", Answer(station, "bad-2"), StringComparison.Ordinal);
            Assert.Contains("\"NotImplemented\"", Answer(station, "bad-3"), StringComparison.Ordinal);
            Assert.Contains("\"OccurrenceConstraintViolation\"", Answer(station, "bad-4"), StringComparison.Ordinal);
            Assert.Contains(station.Events, e => Frame(e)?.StartsWith("[4,\"-1\",\"RpcFrameworkError\"", StringComparison.Ordinal) == true);

            // Still served.
            var beat = await station.CallAsync("Heartbeat", []);
            Assert.NotNull(beat!["currentTime"]);

            await station.RawAsync("[2,\"big\",\"DataTransfer\",{\"vendorId\":\"x\",\"data\":\"" + new string('a', 70_000) + "\"}]");
            var closed = await station.UntilAsync(e => (string?)e["event"] == "closed", "an oversized frame closes the link");
            Assert.Equal(1009, (int)closed["code"]!);
            await rig.UntilAsync(() => portal.Services.GetRequiredService<EvseConnections>().Get(rig.EvseId) is null, "the link is gone");
        }
    }

    [Fact]
    public async Task An_owner_adds_an_ocpp_charger_its_station_connects_with_the_details_shown_once_and_its_der_alarm_shows_on_the_lot()
    {
        string ownerId;
        Guid siteId;
        EvseCredentials credentials;
        var stationId = NewStationId();
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Kitu.V2X.Portal.Data.PortalUser>>();
            ownerId = (await users.FindByEmailAsync(Kitu.V2X.Portal.Demo.DemoAccounts.Fleet.Email))!.Id;
            var admin = scope.ServiceProvider.GetRequiredService<SiteAdministration>();
            siteId = (await admin.SitesAsync(ownerId, Ct))[0].Id;
            var hub = new Uri(portal.Address, EvseHub.Path).ToString();

            var (bad, none) = await admin.AddEvseAsync(ownerId, siteId, new EvseForm { Name = "Bay OCPP", SpeaksOcpp = true, OcppStationId = "has space:colon" }, hub, Ct);
            Assert.Contains("station id", bad, StringComparison.Ordinal);
            Assert.Null(none);

            var (error, issued) = await admin.AddEvseAsync(ownerId, siteId, new EvseForm { Name = "Bay OCPP", SpeaksOcpp = true, OcppStationId = stationId }, hub, Ct);
            Assert.Null(error);
            credentials = issued!;
            Assert.Equal($"ws://{portal.Address.Authority}/ocpp", credentials.OcppUrl);
            Assert.Equal(40, credentials.Secret.Length);
            Assert.StartsWith($"kitu-ocpp:v1;csms={credentials.OcppUrl};id={stationId};password=", credentials.QrText, StringComparison.Ordinal);

            var (duplicate, _) = await admin.AddEvseAsync(ownerId, siteId, new EvseForm { Name = "Bay OCPP 2", SpeaksOcpp = true, OcppStationId = stationId }, hub, Ct);
            Assert.Contains("already uses this station id", duplicate, StringComparison.Ordinal);
        }

        await using var station = await NodeStation.StartAsync(credentials.OcppUrl!, stationId, credentials.Secret);
        await station.ConnectAsync();
        await station.BootAsync();
        var connections = portal.Services.GetRequiredService<EvseConnections>();
        Assert.NotNull(connections.Get(credentials.EvseId));

        await station.CallAsync("NotifyDERAlarm", new JsonObject { ["controlType"] = "HVMustTrip", ["gridEventFault"] = "OverVoltage", ["timestamp"] = DateTimeOffset.UtcNow.ToString("O") });
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var rows = await scope.ServiceProvider.GetRequiredService<LotDashboard>().RowsAsync(ownerId, siteId, Ct);
            var row = rows!.Single(r => r.EvseId == credentials.EvseId);
            Assert.True(row.Online);
            Assert.Contains("Charger alarm: HVMustTrip (OverVoltage)", row.GridText, StringComparison.Ordinal);
        }

        await using (var scope = portal.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<SiteAdministration>().RemoveEvseAsync(ownerId, credentials.EvseId, Ct));
        }

        await station.UntilAsync(e => (string?)e["event"] == "closed", "a removed charger's link is closed");
    }

    [Fact]
    public async Task The_simulations_virtual_ocpp_station_discharges_for_an_event_and_holds_the_grid_limit()
    {
        var stationId = NewStationId();
        await using var rig = await portal.RigAsync(soc: 80, ocppStationId: stationId);
        await using var station = new Kitu.V2X.Portal.Simulation.VirtualOcppStation(stationId, rig.Secret, portal.Address, 11, rig.Ev, TimeProvider.System, TimeSpan.FromSeconds(1));
        await station.StartAsync(Ct);
        var connections = portal.Services.GetRequiredService<EvseConnections>();
        await rig.UntilAsync(() => connections.WhereIs(rig.Ev.Identifier)?.EvseId == rig.EvseId, "the station's car is placed");

        await rig.DispatchAsync(kw: 5);
        var running = await rig.UntilStateAsync(CommandState.Running);
        Assert.Equal(running.Id, station.ActiveCommand);
        Assert.Equal(-5, station.PowerKw, 3);
        Assert.Equal(1, station.Executions);
    }

    [Fact]
    public async Task A_flood_of_calls_closes_the_link_as_a_policy_violation()
    {
        var (rig, station) = await ConnectedAsync(plug: false);
        await using (rig)
        await using (station)
        {
            await station.RunAsync(new JsonObject { ["op"] = "flood", ["count"] = 400 }); // the burst allows 100, then 20 a second
            var closed = await station.UntilAsync(e => (string?)e["event"] == "closed", "the flood closes the link");
            Assert.Equal(1008, (int)closed["code"]!);
            await rig.UntilAsync(() => portal.Services.GetRequiredService<EvseConnections>().Get(rig.EvseId) is null, "the link is gone");
        }
    }

    private static string? Mode(JsonObject profile) => (string?)profile["chargingProfile"]?["chargingSchedule"]?[0]?["chargingSchedulePeriod"]?[0]?["operationMode"];

    private static string? Frame(JsonObject e) => (string?)e["event"] == "frame" ? (string?)e["text"] : null;

    private static string Answer(NodeStation station, string id) =>
        station.Events.Select(Frame).FirstOrDefault(f => f?.Contains($"\"{id}\"", StringComparison.Ordinal) == true) ?? $"(no answer to {id})";

    private string StationIdOf(Rig rig)
    {
        using var scope = portal.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<Kitu.V2X.Portal.Data.PortalDbContext>().Evses.Single(e => e.Id == rig.EvseId).OcppStationId!;
    }

    private Uri Ws(string stationId) => new UriBuilder(portal.Address) { Scheme = "ws", Path = $"/ocpp/{stationId}" }.Uri;
}
