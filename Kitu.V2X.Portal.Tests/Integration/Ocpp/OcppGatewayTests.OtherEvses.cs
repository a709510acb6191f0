using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Sites;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Ocpp;

/// <summary>A station with a second EVSE: what it reports of that one never becomes the charger's (its EVSE 1).</summary>
public sealed partial class OcppGatewayTests
{
    [Fact]
    public async Task What_a_dual_port_station_reports_of_its_other_evse_never_mixes_into_the_charger()
    {
        var (rig, station) = await ConnectedAsync();
        await using (rig)
        await using (station)
        {
            static string Now() => DateTimeOffset.UtcNow.ToString("O");
            var connections = portal.Services.GetRequiredService<EvseConnections>();

            // Another car on EVSE 2: plugged, its transaction (the later events need not name the EVSE), its meter, its needs.
            await station.CallAsync("StatusNotification", new JsonObject { ["timestamp"] = Now(), ["connectorStatus"] = "Occupied", ["evseId"] = 2, ["connectorId"] = 1 });
            await station.CallAsync("TransactionEvent", new JsonObject
            {
                ["eventType"] = "Started", ["timestamp"] = Now(), ["triggerReason"] = "CablePluggedIn", ["seqNo"] = 100,
                ["transactionInfo"] = new JsonObject { ["transactionId"] = "tx-evse-2" },
                ["evse"] = new JsonObject { ["id"] = 2, ["connectorId"] = 1 },
                ["idToken"] = new JsonObject { ["idToken"] = "OTHER-CAR-0002", ["type"] = "eMAID" },
            });
            await station.CallAsync("TransactionEvent", new JsonObject
            {
                ["eventType"] = "Updated", ["timestamp"] = Now(), ["triggerReason"] = "MeterValuePeriodic", ["seqNo"] = 101,
                ["transactionInfo"] = new JsonObject { ["transactionId"] = "tx-evse-2", ["chargingState"] = "Charging" },
                ["meterValue"] = new JsonArray(new JsonObject { ["timestamp"] = Now(), ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = 22000, ["measurand"] = "Power.Active.Import" }) }),
            });
            await station.CallAsync("MeterValues", new JsonObject
            {
                ["evseId"] = 2,
                ["meterValue"] = new JsonArray(new JsonObject { ["timestamp"] = Now(), ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = 22000, ["measurand"] = "Power.Active.Import" }) }),
            });
            // The station's main meter (evseId 0) sums both EVSEs now: not the charger's power.
            await station.CallAsync("MeterValues", new JsonObject
            {
                ["evseId"] = 0,
                ["meterValue"] = new JsonArray(new JsonObject { ["timestamp"] = Now(), ["sampledValue"] = new JsonArray(new JsonObject { ["value"] = 22000, ["measurand"] = "Power.Active.Import" }) }),
            });
            var needs = await station.CallAsync("NotifyEVChargingNeeds", new JsonObject
            {
                ["evseId"] = 2,
                ["chargingNeeds"] = new JsonObject { ["requestedEnergyTransfer"] = "DC", ["dcChargingParameters"] = new JsonObject { ["evMaxCurrent"] = 200, ["evMaxVoltage"] = 500, ["stateOfCharge"] = 10 } },
            });
            Assert.Equal("NoChargingProfile", (string?)needs?["status"]); // no profile will come for it from the portal

            // It leaves: EVSE 2 available again, its transaction ended.
            await station.CallAsync("TransactionEvent", new JsonObject
            {
                ["eventType"] = "Ended", ["timestamp"] = Now(), ["triggerReason"] = "EVDeparted", ["seqNo"] = 102,
                ["transactionInfo"] = new JsonObject { ["transactionId"] = "tx-evse-2" },
            });
            await station.CallAsync("StatusNotification", new JsonObject { ["timestamp"] = Now(), ["connectorStatus"] = "Available", ["evseId"] = 2, ["connectorId"] = 1 });

            // The charger (EVSE 1) still has its car, its SoC and no power of the other car; the other car is nowhere.
            var status = connections.Get(rig.EvseId)!.Status!;
            Assert.True(status.Plugged);
            Assert.Equal(rig.Ev.Identifier, status.VehicleIdentifier);
            Assert.Equal(70, status.SocPercent);
            Assert.Equal(0, status.PowerKw);
            Assert.Equal(rig.EvseId, connections.WhereIs(rig.Ev.Identifier)?.EvseId);
            Assert.Null(connections.WhereIs("OTHER-CAR-0002"));

            // The owner's page says that EVSE 2 is not a charger here.
            await using (var scope = portal.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                var siteId = await db.Evses.Where(e => e.Id == rig.EvseId).Select(e => e.SiteId).SingleAsync(Ct);
                var ownerId = await db.Sites.Where(s => s.Id == siteId).Select(s => s.OwnerId).SingleAsync(Ct);
                var rows = await scope.ServiceProvider.GetRequiredService<LotDashboard>().RowsAsync(ownerId, siteId, Ct);
                Assert.Contains("Its EVSE 2 is not a charger here", rows!.Single(r => r.EvseId == rig.EvseId).StationNote, StringComparison.Ordinal);
            }

            // And it discharges as before, its profile for EVSE 1.
            await rig.DispatchAsync(kw: 5);
            await rig.UntilStateAsync(CommandState.Running);
            Assert.All(station.Received("SetChargingProfile"), p => Assert.Equal(1, (int)p["evseId"]!));
        }
    }
}
