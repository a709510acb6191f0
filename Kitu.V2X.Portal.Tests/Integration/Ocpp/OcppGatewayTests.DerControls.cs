using System.Globalization;
using System.Text.Json.Nodes;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Ocpp;
using Kitu.V2X.Portal.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Ocpp;

/// <summary>IEEE 1547 functions from the 2030.5 server as OCPP 2.1 DER controls at a station run by ocpp-rpc.</summary>
public sealed partial class OcppGatewayTests
{
    [Fact]
    public async Task A_grid_limit_from_the_2030_5_server_becomes_set_der_control_checked_back_and_cleared_when_it_ends()
    {
        var (rig, station) = await ConnectedAsync(plug: false);
        await using (rig)
        await using (station)
        {
            var sandbox = portal.Services.GetRequiredService<SandboxState>();
            var worker = portal.Services.GetRequiredService<Kitu.V2X.Portal.Grid.GridClientWorker>();
            var mrid = sandbox.LimitExport(40, TimeSpan.FromMinutes(10));
            await rig.UntilAsync(async () => (await worker.PollNowAsync(rig.EvseId, Ct)).Functions.MaxLimitPercent == 40, "the grid layer reads the limit");

            var set = await station.UntilReceivedAsync("SetDERControl", c => (string?)c["controlType"] == "LimitMaxDischarge", "the limit reaches the station");
            Assert.Equal(40, (double)set["limitMaxDischarge"]!["pctMaxDischargePower"]!);
            Assert.Equal(OcppDerControls.IdFor("LimitMaxDischarge", mrid), (string?)set["controlId"]); // the event's own control
            Assert.False((bool)set["isDefault"]!); // the sandbox's event: a scheduled control with its window
            Assert.NotNull(set["limitMaxDischarge"]!["startTime"]);
            Assert.InRange((double)set["limitMaxDischarge"]!["duration"]!, 590, 610);
            await station.UntilReceivedAsync("GetDERControl", what: "the portal checks what the station holds");
            await station.UntilAsync(e => (string?)e["event"] == "reported", "the station reports its controls");

            sandbox.Cancel(mrid);
            await rig.UntilAsync(async () => (await worker.PollNowAsync(rig.EvseId, Ct)).Functions.MaxLimitPercent is null, "the grid layer reads the cancellation");
            await station.UntilReceivedAsync("ClearDERControl", c => (string?)c["controlId"] == OcppDerControls.IdFor("LimitMaxDischarge", mrid), "the limit is cleared when it ends");
            await rig.UntilAsync(async () => !(await station.StateAsync())["der"]!.AsArray().Any(c => (string?)c == OcppDerControls.IdFor("LimitMaxDischarge", mrid)), "the station no longer holds the limit");
        }
    }

    [Fact]
    public async Task An_event_to_come_reaches_the_station_ahead_with_its_window_and_the_default_limit_it_overrides_stays_held()
    {
        var sandbox = portal.Services.GetRequiredService<SandboxState>();
        var worker = portal.Services.GetRequiredService<Kitu.V2X.Portal.Grid.GridClientWorker>();
        var now = portal.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var feeder = sandbox.AddProgram(5, "Feeder default", new DefaultDerControl { MRid = "DD0000000000000000000000000000F5", Base = new DerControlBase { OpModMaxLimW = 7000 } });
        var (rig, station) = await ConnectedAsync(plug: false);
        var later = sandbox.Schedule(0, new DerControlBase { OpModEnergize = false }, now.AddMinutes(10), TimeSpan.FromMinutes(5), "Cease to energize in ten minutes");
        string? inForce = null;
        try
        {
            await using (rig)
            await using (station)
            {
                await rig.UntilAsync(async () => (await worker.PollNowAsync(rig.EvseId, Ct)).Schedule.Any(e => e.MRid == later), "the grid layer lists the event to come");
                var ahead = await station.UntilReceivedAsync("SetDERControl", c => (string?)c["controlId"] == OcppDerControls.IdFor("LimitMaxDischarge", later), "the event reaches the station before it starts");
                Assert.False((bool)ahead["isDefault"]!);
                Assert.Equal(0, (double)ahead["limitMaxDischarge"]!["pctMaxDischargePower"]!);
                Assert.InRange(DateTimeOffset.Parse((string)ahead["limitMaxDischarge"]!["startTime"]!, CultureInfo.InvariantCulture), now.AddMinutes(9), now.AddMinutes(11));
                Assert.Equal(300, (double)ahead["limitMaxDischarge"]!["duration"]!);
                var fallback = await station.UntilReceivedAsync("SetDERControl", c => (string?)c["controlId"] == OcppDerControls.IdFor("LimitMaxDischarge", isDefault: true), "the feeder's default limit reaches the station");
                Assert.True((bool)fallback["isDefault"]!);
                Assert.Equal(70, (double)fallback["limitMaxDischarge"]!["pctMaxDischargePower"]!);

                // An event in force from now overrides the default for its time: the station holds both, the default is never cleared.
                inForce = sandbox.LimitExport(40, TimeSpan.FromMinutes(3));
                await rig.UntilAsync(async () => (await worker.PollNowAsync(rig.EvseId, Ct)).Functions.MaxLimitPercent == 40, "the grid layer reads the limit in force");
                await station.UntilReceivedAsync("SetDERControl", c => (string?)c["controlId"] == OcppDerControls.IdFor("LimitMaxDischarge", inForce), "the event in force reaches the station");
                await rig.UntilAsync(async () => (await station.StateAsync())["der"]!.AsArray().Select(c => (string?)c).ToHashSet() is var held
                    && held.Contains(OcppDerControls.IdFor("LimitMaxDischarge", isDefault: true)) && held.Contains(OcppDerControls.IdFor("LimitMaxDischarge", inForce)) && held.Contains(OcppDerControls.IdFor("LimitMaxDischarge", later)),
                    "the station holds the default, the event in force and the one to come");
                Assert.DoesNotContain(station.Received("ClearDERControl"), c => ((string?)c["controlId"])!.StartsWith("kitu-default-", StringComparison.Ordinal));
            }
        }
        finally
        {
            sandbox.Cancel(later);
            if (inForce is not null)
            {
                sandbox.Cancel(inForce);
            }

            sandbox.SetDefault(feeder, null);
        }
    }

    [Fact]
    public async Task A_der_report_in_parts_or_a_late_one_never_counts_a_control_as_missing_only_a_final_report_of_the_latest_request_does()
    {
        var (rig, station) = await ConnectedAsync(plug: false);
        await using (rig)
        await using (station)
        {
            var enter = OcppDerControls.IdFor("EnterService", isDefault: true); // the sandbox program's default control
            await station.UntilReceivedAsync("SetDERControl", c => (string?)c["controlId"] == enter, "the default control reaches the station");
            var asked = await station.UntilReceivedAsync("GetDERControl", what: "the portal asks what the station holds");
            await station.UntilAsync(e => (string?)e["event"] == "reported", "the station answers with everything it holds");
            var latest = (int)asked["requestId"]!;
            var state = portal.Services.GetRequiredService<OcppStations>().Find(rig.EvseId)!;
            IReadOnlyList<string> Missing()
            {
                lock (state.Gate)
                {
                    return state.DerMissing;
                }
            }

            var held = new JsonObject { ["id"] = enter, ["enterService"] = new JsonObject { ["priority"] = 1, ["highVoltage"] = 105, ["lowVoltage"] = 91.7, ["highFreq"] = 60.1, ["lowFreq"] = 59.5 } };

            // The first part of a report to be continued lacks the control: nothing is missing before the last part, which has it.
            await station.CallAsync("ReportDERControl", new JsonObject { ["requestId"] = latest, ["tbc"] = true });
            Assert.Empty(Missing());
            await station.CallAsync("ReportDERControl", new JsonObject { ["requestId"] = latest, ["enterService"] = new JsonArray(held.DeepClone()) });
            Assert.Empty(Missing());

            // A late report of an earlier request cannot speak of a control set after that request was sent.
            await station.CallAsync("ReportDERControl", new JsonObject { ["requestId"] = latest - 1 });
            Assert.Empty(Missing());

            // The final report of the latest request without it: the station has lost it.
            await station.CallAsync("ReportDERControl", new JsonObject { ["requestId"] = latest });
            Assert.Equal([enter], Missing());
        }
    }
}
