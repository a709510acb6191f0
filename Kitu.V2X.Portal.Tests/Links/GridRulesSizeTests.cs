using System.Text.Json;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.ScaleOut;

namespace Kitu.V2X.Portal.Tests.Links;

/// <summary>
/// The largest rules the grid layer can hold for one EVSE — every IEEE 1547 function with curves of the most points
/// allowed, and a full schedule of events each setting them all — still fit the limit of the Redis channels that carry
/// them: the grid relay (<see cref="GridRules"/>) and the link bridge (the EVSE protocol's <see cref="GridRulesMessage"/>
/// for a charger held by another instance), with room to spare. A message over it would be refused and the charger would
/// keep old rules.
/// </summary>
public sealed class GridRulesSizeTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static string MRid(int n) => n.ToString("X32"); // 128-bit mRIDs, the longest 2030.5 has

    private static Curve FullCurve(int n, int type) => new(
        MRid(n),
        type,
        [.. Enumerable.Range(0, Ieee1547Limits.MaxCurvePoints).Select(i => new CurvePoint(100.0 / 3 + i / 7.0, -200.0 / 3 - i / 9.0, i % 2 == 0))],
        YRefType: 2,
        OpenLoopSeconds: 12.345678901234567,
        VRefPercent: 101.33333333333333);

    private static Ieee1547Functions Everything(int n) => new()
    {
        Connect = true,
        Energize = true,
        MaxLimitPercent = 66.666666666666671,
        FixedPowerFactorInject = new(0.95111111111111, true),
        FixedPowerFactorAbsorb = new(0.95111111111111, false),
        FixedVar = new(2, -33.333333333333336),
        TargetVar = -1234.5678901234567,
        TargetW = -7654.3210987654321,
        FixedWPercent = -44.444444444444443,
        FrequencyDroop = new(0.036111111111111, 0.036111111111111, 0.05111111111111, 0.05111111111111, 5.123456789),
        FrequencyWatt = FullCurve(n * 100 + 0, 0),
        VoltVar = FullCurve(n * 100 + 1, 11),
        VoltWatt = FullCurve(n * 100 + 2, 13),
        WattPowerFactor = FullCurve(n * 100 + 3, 12),
        WattVar = FullCurve(n * 100 + 4, 14),
        HighFrequencyMayTrip = FullCurve(n * 100 + 5, 1),
        HighFrequencyMustTrip = FullCurve(n * 100 + 6, 2),
        HighVoltageMayTrip = FullCurve(n * 100 + 7, 3),
        HighVoltageMomentaryCessation = FullCurve(n * 100 + 8, 4),
        HighVoltageMustTrip = FullCurve(n * 100 + 9, 5),
        LowFrequencyMayTrip = FullCurve(n * 100 + 10, 6),
        LowFrequencyMustTrip = FullCurve(n * 100 + 11, 7),
        LowVoltageMayTrip = FullCurve(n * 100 + 12, 8),
        LowVoltageMomentaryCessation = FullCurve(n * 100 + 13, 9),
        LowVoltageMustTrip = FullCurve(n * 100 + 14, 10),
        RampSeconds = 300.123456789,
        EnterService = new(300.5, 60.5, 105.5, 59.5, 91.5, 300.5, 30.5),
    };

    private static GridRules Largest()
    {
        const string program = "Feeder 12 — summer peak programme, with its long description as a utility names it";
        var functions = "opModConnect,opModEnergize,opModMaxLimW,opModFixedPFInjectW,opModFixedPFAbsorbW,opModFixedVar,opModTargetVar,"
            + "opModTargetW,opModFixedW,opModFreqDroop,opModFreqWatt,opModVoltVar,opModVoltWatt,opModWattPF,opModWattVar,opModHFRTMayTrip,"
            + "opModHFRTMustTrip,opModHVRTMayTrip,opModHVRTMomentaryCessation,opModHVRTMustTrip,opModLFRTMayTrip,opModLFRTMustTrip,"
            + "opModLVRTMayTrip,opModLVRTMomentaryCessation,opModLVRTMustTrip,rampTms";
        return new GridRules
        {
            EvseId = Guid.NewGuid(),
            Integration = GridIntegration.Integrated,
            Functions = Everything(0),
            ExportLimitW = 7_333.333333333333,
            Sfdi = 999_999_999_999,
            ServerName = "Utility head-end, region north, production server with a long name",
            LastContact = Now,
            ValidUntil = Now.AddMinutes(15),
            ActiveControl = new(MRid(1), program, program, Now.AddHours(1)),
            Controls = [.. functions.Split(',').Select((f, i) => new GridControlInForce(MRid(i), program, program, Now, Now.AddHours(1), f, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(45)))],
            DefaultFunctions = Everything(99),
            Schedule = [.. Enumerable.Range(1, ControlSelector.MaxScheduled).Select(i => new GridScheduledControl(MRid(i), program, 1, Now.AddHours(i), Now.AddHours(i + 1), Everything(i)))],
            Warnings = ["A DERCapability PUT was refused: 400 Bad Request from the server, with the body it gave as its reason."],
        };
    }

    [Fact]
    public void The_largest_rules_cross_the_grid_relay()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(Largest(), Web).Length;
        Assert.True(bytes <= GridRelay.MaxMessageBytes / 2, $"{bytes} bytes of rules against a {GridRelay.MaxMessageBytes} limit");
    }

    [Fact]
    public void The_largest_rules_reach_a_charger_held_by_another_instance()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(GridRulesMessage.From(Largest()), Web).Length;
        Assert.True(bytes <= LinkBridge.MaxMessageBytes / 2, $"{bytes} bytes of rules against a {LinkBridge.MaxMessageBytes} limit");
    }
}
