using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// Every IEEE 1547 function from the 2030.5 resource to the EVSE's message to what the virtual EVSE does, and into
/// the decision: a portal of its own, since its sandbox's events reach every charger bound to it.
/// </summary>
public sealed class GridFunctionsTests(GridFunctionsTests.Portal portal) : IClassFixture<GridFunctionsTests.Portal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_functions_in_force_reach_the_evse_shape_its_output_and_the_decision_and_its_nameplate_says_what_it_applies()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        var sandbox = portal.Services.GetRequiredService<SandboxState>();
        var worker = portal.Services.GetRequiredService<GridClientWorker>();
        var trip = sandbox.AddCurve(0, new DerCurve
        {
            MRid = "5A000000000000000000000000CC7005",
            CreationTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            CurveData = [new CurveData { XValue = 1, YValue = 115 }, new CurveData { XValue = 10, YValue = 110 }],
            CurveType = 5,
            YRefType = 4,
        });
        sandbox.Schedule(0, new DerControlBase
        {
            OpModFixedPfInjectW = new PowerFactorWithExcitation { Displacement = 95, Excitation = false, Multiplier = -2 },
            OpModFreqDroop = new FreqDroopType { DbOf = 36, DbUf = 36, KOf = 50, KUf = 50, OpenLoopTms = 500 },
            OpModHvrtMustTrip = new DerCurveLink { Href = trip },
            OpModMaxLimW = 8000,
            OpModVoltWatt = new DerCurveLink { Href = SandboxState.VoltWattCurveHref },
        }, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(30), "Grid support functions");

        var rules = await worker.PollNowAsync(rig.EvseId, Ct);

        // The resource → the rules → the EVSE's message.
        Assert.NotNull(rules.Functions.VoltWatt);
        await rig.UntilAsync(() => rig.Evse.Grid?.Functions is { VoltWatt: not null, HighVoltageMustTrip: not null, FrequencyDroop: not null, FixedPowerFactorInject: not null, MaxLimitPercent: 80 },
            "every function reaches the EVSE");
        Assert.Contains(rig.Evse.Grid!.Controls!, c => c.Functions.Contains("opModVoltWatt") && c.End > DateTimeOffset.UtcNow);
        Assert.Equal(10, rig.Evse.Grid.Functions!.EnterService!.DelaySeconds);

        // The EVSE's hello told the grid layer what it applies: the 2030.5 nameplate says so.
        string lfdi;
        using (var scope = portal.Services.CreateScope())
        {
            lfdi = scope.ServiceProvider.GetRequiredService<Kitu.V2X.Portal.Data.GridDbContext>().GridBindings.Single(b => b.EvseId == rig.EvseId).Lfdi;
        }

        var device = sandbox.Devices().Single(d => d.Lfdi == lfdi);
        var modes = DerFunctions.ParseHex(device.Capability!.ModesSupported);
        Assert.True(modes.HasFlag(DerControlModes.VoltWatt | DerControlModes.HvrtMustTrip | DerControlModes.FreqDroop | DerControlModes.FixedPfInjectW));

        // Export limited to 80 % of 11 kW, and the grid's voltage at the EVSE is 108 %: volt-watt halves what it may
        // export. The decision clamps to the smaller (5.5 kW); the EVSE runs at it with the power factor's reactive power.
        rig.Evse.Inverter.VoltageV = 240 * 1.08;
        await rig.Evse.ReportAsync();
        await rig.UntilAsync(() => portal.Services.GetRequiredService<Hubs.EvseConnections>().Get(rig.EvseId)?.Status?.GridVoltageV > 259, "the EVSE reports the voltage");
        await rig.DispatchAsync(kw: 11);
        var running = await rig.UntilStateAsync(CommandState.Running);
        Assert.Equal(5.5, running.Kw, 6);
        Assert.Equal(-5.5, rig.Evse.PowerKw, 6);
        Assert.Equal(5.5 * Math.Tan(Math.Acos(0.95)), rig.Evse.ReactiveKvar, 2); // injecting, as the power factor asks

        // The voltage rises to 109 %: the EVSE holds its export to the new cap at once, and the same command follows it
        // down (a renewal at the new power, not a stop); back at nominal, it is raised again within a pass.
        rig.Evse.Inverter.VoltageV = 240 * 1.09;
        await rig.UntilAsync(() => rig.Evse.HeldToKw is { } held && Math.Abs(held - 2.75) < 1e-6, "the EVSE holds its export to the volt-watt cap");
        await rig.UntilAsync(async () => (await rig.CommandAsync())?.Kw is 2.75, "the command follows the grid down");
        Assert.Equal(CommandState.Running, (await rig.CommandAsync())!.State);
        rig.Evse.Inverter.VoltageV = 240;
        await rig.UntilAsync(async () => (await rig.CommandAsync())?.Kw is 8.8, "the command follows the grid up again");
        await rig.UntilAsync(() => Math.Abs(rig.Evse.PowerKw + 8.8) < 1e-6, "the EVSE discharges at the raised power");
        var audit = await rig.AuditAsync();
        Assert.Contains(audit, a => a.Outcome == "power 5.5 kW → 2.75 kW" && a.Reasons.Single().Code == ReasonCode.GridLimitLowered);
        Assert.Contains(audit, a => a.Outcome == "power 2.75 kW → 8.8 kW" && a.Reasons.Single().Code == ReasonCode.GridLimitRaised);
        Assert.Equal(1, rig.Evse.Executions); // one command throughout

        // At 116 % volt-watt allows no export (the command stops at once, for a reason that clears), and after a second
        // above 115 % the must-trip curve trips the EVSE: a decision now names the trip.
        rig.Evse.Inverter.VoltageV = 240 * 1.16;
        var stopped = await rig.UntilStateAsync(CommandState.Stopped, TimeSpan.FromSeconds(10));
        Assert.Equal("grid.export_limit_zero", stopped.ReasonCode);
        await rig.UntilAsync(() => rig.Evse.Inverter.Tripped == "opModHVRTMustTrip", "the EVSE trips", TimeSpan.FromSeconds(10));
        await rig.UntilAsync(async () => (await rig.DecisionsAsync()).Any(d => d.Reasons.Any(r => r.Code == ReasonCode.EvseTripped)), "a decision names the trip");

        // Back to nominal: it waits out the enter-service delay and ramp (refused, and says why), then takes part again.
        rig.Evse.Inverter.VoltageV = 240;
        await rig.UntilAsync(async () => (await rig.DecisionsAsync()).Any(d => d.Reasons.Any(r => r.Code == ReasonCode.EvseEnteringService)), "a decision names the enter-service wait");
        await rig.UntilAsync(async () => (await rig.CommandsAsync()).Any(c => c.Segment == 2 && c.State == CommandState.Running), "the car takes part again as a second segment", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task An_evse_speaking_messagepack_receives_the_curves_as_well()
    {
        await using var rig = await portal.RigAsync(soc: 60, messagePack: true);
        var sandbox = portal.Services.GetRequiredService<SandboxState>();
        sandbox.VoltVar(TimeSpan.FromMinutes(5));

        await portal.Services.GetRequiredService<GridClientWorker>().PollNowAsync(rig.EvseId, Ct);

        await rig.UntilAsync(() => rig.Evse.Grid?.Functions?.VoltVar is { Points.Count: 4 }, "the volt-var curve reaches the EVSE over MessagePack");
        Assert.Equal(new Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547.CurvePoint(92, 44), rig.Evse.Grid!.Functions!.VoltVar!.Points[0]);
    }

    /// <summary>A live portal for this class alone.</summary>
    public sealed class Portal : LivePortal;
}
