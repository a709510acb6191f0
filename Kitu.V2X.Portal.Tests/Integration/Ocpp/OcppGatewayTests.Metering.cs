using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Ocpp;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Ocpp;

/// <summary>What a station measures: the portal asks for the meter values it follows a discharge by, and reads registers too.</summary>
public sealed partial class OcppGatewayTests
{
    [Fact]
    public async Task A_station_is_asked_for_power_and_registers_every_ten_seconds_and_one_that_reports_only_its_registers_is_followed_by_them()
    {
        var (rig, station) = await ConnectedAsync();
        await using (rig)
        await using (station)
        {
            static string? Variable(JsonObject p) => (string?)p["setVariableData"]?[0]?["variable"]?["name"];
            static string? Value(JsonObject p) => (string?)p["setVariableData"]?[0]?["attributeValue"];
            await station.UntilReceivedAsync("SetVariables", p => Variable(p) == "TxUpdatedMeasurands", "the station is asked for the measurands the portal follows a discharge by");
            var sets = station.Received("SetVariables");
            Assert.Contains(sets, p => Variable(p) == "TxUpdatedInterval" && Value(p) == "10");
            var measurands = Value(sets.Single(p => Variable(p) == "TxUpdatedMeasurands"))!.Split(',');
            Assert.Contains("Power.Active.Export", measurands);
            Assert.Contains("Energy.Active.Export.Register", measurands);
            Assert.All(sets, p => Assert.Equal("SampledDataCtrlr", (string?)p["setVariableData"]?[0]?["component"]?["name"]));

            // A station that reports its energy registers only (it kept its own measurands): its discharge is measured by
            // the export register's change, and runs — without that it would look like 0 kW and end "not followed".
            await station.RunAsync(new JsonObject { ["op"] = "registers-only", ["on"] = true });
            await station.RunAsync(new JsonObject { ["op"] = "meter" });
            await rig.DispatchAsync(kw: 5);
            await station.UntilReceivedAsync("SetChargingProfile", p => (double?)p["chargingProfile"]?["chargingSchedule"]?[0]?["chargingSchedulePeriod"]?[0]?["setpoint"] < 0, "the discharge profile");
            var connections = portal.Services.GetRequiredService<EvseConnections>();
            await rig.UntilAsync(async () =>
            {
                await Task.Delay(1000, Ct);
                await station.RunAsync(new JsonObject { ["op"] = "meter" }); // its periodic meter values
                return (await rig.CommandAsync())?.State == CommandState.Running;
            }, "the command runs on the power told from the registers", TimeSpan.FromSeconds(30));
            Assert.InRange(connections.Get(rig.EvseId)!.Status!.PowerKw, -5.5, -4.5);
        }
    }
}
