using System.Text;
using System.Text.Json;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee1547;
using Kitu.V2X.Portal.Ocpp;

namespace Kitu.V2X.Portal.Tests.Ocpp;

/// <summary>The official schemas are embedded and applied; frames are read defensively; what the portal builds conforms.</summary>
public sealed class OcppMessageTests
{
    private static readonly OcppSchemas Schemas = new();

    [Fact]
    public void Both_versions_carry_every_official_schema_and_only_2_1_knows_der_controls()
    {
        Assert.Equal(64, Schemas.Actions(OcppVersion.V201).Count()); // 128 files: a request and a response each
        Assert.Equal(90, Schemas.Actions(OcppVersion.V21).Count()); // 181 files, less the shared one-way NotifyPeriodicEventStream
        foreach (var action in new[] { "SetDERControl", "ClearDERControl", "GetDERControl", "ReportDERControl", "NotifyDERAlarm", "NotifyAllowedEnergyTransfer" })
        {
            Assert.True(Schemas.Knows(OcppVersion.V21, action), action);
            Assert.False(Schemas.Knows(OcppVersion.V201, action), action);
        }
    }

    [Theory]
    [InlineData("""{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"}}""", null)]
    [InlineData("""{"reason":"PowerUp"}""", "OccurrenceConstraintViolation")]
    [InlineData("""{"reason":"Sunday","chargingStation":{"model":"M","vendorName":"V"}}""", "PropertyConstraintViolation")]
    [InlineData("""{"reason":7,"chargingStation":{"model":"M","vendorName":"V"}}""", "TypeConstraintViolation")]
    [InlineData("""{"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V"},"extra":1}""", "FormatViolation")]
    public void A_payload_is_checked_against_its_schema_with_the_callerror_code_ocpp_names(string json, string? code)
    {
        using var payload = JsonDocument.Parse(json);
        Assert.Equal(code, Schemas.Check(OcppVersion.V21, "BootNotification", payload.RootElement, response: false)?.ErrorCode);
    }

    [Theory]
    [InlineData("""[2,"a1","Heartbeat",{}]""", null)]
    [InlineData("""[3,"a1",{"currentTime":"2026-12-07T10:00:00Z"}]""", null)]
    [InlineData("""[4,"a1","NotSupported","no",{}]""", null)]
    [InlineData("""{"not":"an array"}""", "RpcFrameworkError")]
    [InlineData("""[2,"0123456789012345678901234567890123456","Heartbeat",{}]""", "RpcFrameworkError")]
    [InlineData("""[9,"a1","Heartbeat",{}]""", "MessageTypeNotSupported")]
    [InlineData("""[2,"a1","Heartbeat",[]]""", "FormatViolation")]
    [InlineData("""[2,"a1",5,{}]""", "RpcFrameworkError")]
    [InlineData("not json", "RpcFrameworkError")]
    public void Frames_are_read_defensively(string text, string? error)
    {
        var (frame, failure) = OcppFrames.Parse(Encoding.UTF8.GetBytes(text));
        Assert.Equal(error, failure?.ErrorCode);
        Assert.Equal(error is null, frame is not null);
    }

    [Fact]
    public void A_frame_nested_too_deep_is_refused_not_parsed()
    {
        var deep = "[2,\"a\",\"Heartbeat\"," + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100) + "]";
        Assert.Equal("RpcFrameworkError", OcppFrames.Parse(Encoding.UTF8.GetBytes(deep)).Error?.ErrorCode);
    }

    [Fact]
    public void Every_ieee_1547_function_becomes_a_set_der_control_that_conforms_to_the_official_schema()
    {
        Curve Curve(int type, int yRef) => new($"C{type}", type, [new CurvePoint(1, 100), new CurvePoint(2, 90)], yRef, 5);
        var functions = new Ieee1547Functions
        {
            MaxLimitPercent = 60,
            FixedPowerFactorInject = new PowerFactorSetting(0.95, false),
            FixedPowerFactorAbsorb = new PowerFactorSetting(0.9, true),
            FixedVar = new FixedVarSetting(2, 10),
            FrequencyDroop = new FreqDroopSetting(0.036, 0.036, 0.05, 0.05, 5),
            FrequencyWatt = Curve(0, 1),
            VoltVar = Curve(11, 2) with { VRefPercent = 100 },
            VoltWatt = Curve(13, 1),
            WattPowerFactor = Curve(12, 0),
            WattVar = Curve(14, 2),
            HighFrequencyMayTrip = Curve(1, 0),
            HighFrequencyMustTrip = Curve(2, 0),
            HighVoltageMayTrip = Curve(3, 4),
            HighVoltageMomentaryCessation = Curve(4, 4),
            HighVoltageMustTrip = Curve(5, 4),
            LowFrequencyMustTrip = Curve(7, 0),
            LowVoltageMayTrip = Curve(8, 4),
            LowVoltageMomentaryCessation = Curve(9, 4),
            LowVoltageMustTrip = Curve(10, 4),
            EnterService = new EnterServiceSetting(300, 60.1, 105, 59.5, 91.7, 300, 60),
            RampSeconds = 20,
        };

        var controls = OcppDerControls.For(functions);

        Assert.Equal(OcppDerControls.Types.Order(), controls.Select(c => c.ControlType).Order());
        foreach (var control in controls)
        {
            using var payload = JsonDocument.Parse(control.Request.ToJsonString());
            Assert.Null(Schemas.Check(OcppVersion.V21, "SetDERControl", payload.RootElement, response: false));
            Assert.Equal(OcppDerControls.IdFor(control.ControlType, isDefault: true), control.ControlId); // no event sets it: a default control
        }
    }

    [Fact]
    public void A_function_an_event_sets_is_a_scheduled_control_with_its_window_and_the_defaults_stay_default()
    {
        var start = new DateTimeOffset(2026, 12, 7, 17, 0, 0, TimeSpan.Zero);
        var functions = new Ieee1547Functions { MaxLimitPercent = 40, FixedPowerFactorInject = new PowerFactorSetting(0.95, false), EnterService = new EnterServiceSetting(300, null, null, null, null, null, null) };
        GridControlInForce[] sources =
        [
            new("EV-1", "Peak", "Evening limit", start, start.AddMinutes(90), "opModMaxLimW"),
            new("DEF", "Peak", "Default", null, null, "opModFixedPFInjectW,setESDelay", IsDefault: true),
        ];

        var controls = OcppDerControls.For(functions, sources).ToDictionary(c => c.ControlType);

        var limit = controls["LimitMaxDischarge"];
        Assert.False(limit.IsDefault);
        Assert.Equal("kitu-LimitMaxDischarge", limit.ControlId);
        Assert.Equal("2026-12-07T17:00:00Z", (string?)limit.Request["limitMaxDischarge"]!["startTime"]);
        Assert.Equal(5400, (double)limit.Request["limitMaxDischarge"]!["duration"]!);
        Assert.True(controls["FixedPFInject"].IsDefault);
        Assert.Equal("kitu-default-FixedPFInject", controls["FixedPFInject"].ControlId);
        Assert.True(controls["EnterService"].IsDefault);
        foreach (var control in controls.Values)
        {
            using var payload = JsonDocument.Parse(control.Request.ToJsonString());
            Assert.Null(Schemas.Check(OcppVersion.V21, "SetDERControl", payload.RootElement, response: false));
        }
    }

    [Fact]
    public void Defaults_stay_default_controls_and_each_event_in_force_or_to_come_is_a_scheduled_control_of_its_own_with_its_window()
    {
        var now = new DateTimeOffset(2026, 12, 7, 17, 0, 0, TimeSpan.Zero);
        var defaults = new Ieee1547Functions { MaxLimitPercent = 80, EnterService = new EnterServiceSetting(300, null, null, null, null, null, null) };
        GridScheduledControl[] schedule =
        [
            new("5A00000000000000000000000000E001", "Peak", 1, now.AddMinutes(-10), now.AddMinutes(20), new Ieee1547Functions { Energize = false, RampSeconds = 30 }),
            new("5A00000000000000000000000000E002", "Peak", 5, now.AddHours(2), now.AddHours(3), new Ieee1547Functions { MaxLimitPercent = 40 }),
            new("5A00000000000000000000000000E003", "Peak", 1, now.AddHours(-2), now.AddMinutes(-1), new Ieee1547Functions { MaxLimitPercent = 10 }), // over
        ];

        var controls = OcppDerControls.For(defaults, schedule, now);

        Assert.Equal(["kitu-default-LimitMaxDischarge", "kitu-default-EnterService", OcppDerControls.IdFor("LimitMaxDischarge", "5A00000000000000000000000000E001"), OcppDerControls.IdFor("LimitMaxDischarge", "5A00000000000000000000000000E002")],
            controls.Select(c => c.ControlId));
        Assert.Equal(80, (double)controls[0].Request["limitMaxDischarge"]!["pctMaxDischargePower"]!); // held while an event overrides it
        Assert.True(controls[0].IsDefault);
        var ceasing = controls[2];
        Assert.False(ceasing.IsDefault);
        Assert.Equal(0, (double)ceasing.Request["limitMaxDischarge"]!["pctMaxDischargePower"]!);
        Assert.Equal(1, (int)ceasing.Request["limitMaxDischarge"]!["priority"]!);
        Assert.Equal("2026-12-07T16:50:00Z", (string?)ceasing.Request["limitMaxDischarge"]!["startTime"]);
        Assert.Equal(1800, (double)ceasing.Request["limitMaxDischarge"]!["duration"]!);
        var later = controls[3];
        Assert.Equal("2026-12-07T19:00:00Z", (string?)later.Request["limitMaxDischarge"]!["startTime"]); // sent ahead
        Assert.Equal(5, (int)later.Request["limitMaxDischarge"]!["priority"]!);
        Assert.Matches("^kitu-[0-9a-f]{8}-LimitMaxDischarge$", later.ControlId);
        Assert.NotEqual(ceasing.ControlId, later.ControlId);
        foreach (var control in controls)
        {
            Assert.InRange(control.ControlId.Length, 1, 36);
            using var payload = JsonDocument.Parse(control.Request.ToJsonString());
            Assert.Null(Schemas.Check(OcppVersion.V21, "SetDERControl", payload.RootElement, response: false));
        }
    }

    [Fact]
    public void Cease_to_energize_and_disconnect_are_a_discharge_limit_of_zero_and_no_function_is_no_control()
    {
        Assert.Empty(OcppDerControls.For(null));
        Assert.Empty(OcppDerControls.For(Ieee1547Functions.None));
        foreach (var functions in new[] { new Ieee1547Functions { Energize = false, MaxLimitPercent = 80 }, new Ieee1547Functions { Connect = false } })
        {
            var limit = Assert.Single(OcppDerControls.For(functions));
            Assert.Equal("LimitMaxDischarge", limit.ControlType);
            Assert.Equal(0, (double)limit.Request["limitMaxDischarge"]!["pctMaxDischargePower"]!);
        }

        Assert.Contains("low-frequency may-trip", OcppDerControls.NotCarried(new Ieee1547Functions { LowFrequencyMayTrip = new Curve("x", 6, [new CurvePoint(1, 57)], 0) }).Single(), StringComparison.Ordinal);
    }
}
