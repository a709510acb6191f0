using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

namespace Kitu.V2X.Portal.Tests.Domain.GridSecurity;

/// <summary>Event selection at exact server instants (seconds since 1970; 1781542800 = 2026-06-15 17:00 UTC).</summary>
public sealed class ControlSelectionTests
{
    private const long At1700 = 1781542800;
    private const long At1630 = 1781541000;

    private static readonly IReadOnlyDictionary<string, DerCurve> FixtureCurves =
        SepXml.Read<DerCurveList>(Fixture.Open("dc.xml")).Items.ToDictionary(c => c.Href!);

    private static ProgramView FixtureProgram() => new(
        "B1000000000000000000000000000001",
        "Utility feeder program",
        1,
        SepXml.Read<DefaultDerControl>(Fixture.Open("dderc.xml")),
        SepXml.Read<DerControlList>(Fixture.Open("derc.xml")).Items);

    private static Selection Select(long now, params ProgramView[] programs) =>
        new ControlSelector(new EventRandomization("test device")).Select(programs, now, FixtureCurves);

    private static DerControl Event(string mrid, long start, uint duration, long created, DerControlBase settings, byte status = EventStatus.Scheduled) => new()
    {
        MRid = mrid,
        CreationTime = created,
        Interval = new DateTimeInterval { Start = start, Duration = duration },
        EventStatus = new EventStatus { CurrentStatus = status, DateTime = created },
        Base = settings,
    };

    private static ProgramView Program(byte primacy, params DerControl[] controls) => new($"B{primacy}", $"Primacy {primacy}", primacy, null, controls);

    [Fact]
    public void The_active_event_beats_the_default_and_the_default_fills_the_rest()
    {
        var selection = Select(At1700, FixtureProgram());
        var f = selection.Functions;

        Assert.Equal(50, f.MaxLimitPercent);
        Assert.Equal(true, f.Energize);
        Assert.Equal(true, f.Connect);
        Assert.Equal(0.95, f.FixedPowerFactorInject!.PowerFactor, 6);
        Assert.False(f.FixedPowerFactorInject.Absorbing);
        Assert.Equal(10, f.RampSeconds);
        Assert.Equal("C1000000000000000000000000000001", selection.Active?.MRid);
        Assert.Equal(At1630 + 3600, selection.Active?.EffectiveEnd);
    }

    [Fact]
    public void The_volt_var_curve_comes_resolved_with_multipliers_applied()
    {
        var curve = Select(At1700, FixtureProgram()).Functions.VoltVar;

        Assert.NotNull(curve);
        Assert.Equal(11, curve.CurveType);
        Assert.Equal([92.0, 96.7, 103.3, 107.0], curve.Points.Select(p => Math.Round(p.X, 6)));
        Assert.Equal([30.0, 0, 0, -30], curve.Points.Select(p => p.Y));
        Assert.Equal(2, curve.YRefType);
    }

    [Fact]
    public void Enter_service_settings_come_from_the_default_control()
    {
        var es = Select(At1700, FixtureProgram()).Functions.EnterService;

        Assert.NotNull(es);
        Assert.Equal(300, es.DelaySeconds);
        Assert.Equal(60.1, es.HighFrequencyHz);
        Assert.Equal(91.7, es.LowVoltagePercent);
    }

    [Fact]
    public void A_cancelled_event_never_applies_and_another_devices_event_is_ignored()
    {
        var states = Select(At1700, FixtureProgram()).Events.ToDictionary(e => e.Control.MRid[^1], e => e.Phase);

        Assert.Equal(EventPhase.Active, states['1']);
        Assert.Equal(EventPhase.Cancelled, states['2']);
        Assert.Equal(EventPhase.NotForThisDevice, states['3']);
    }

    [Fact]
    public void When_the_event_ends_the_default_applies_again()
    {
        var selection = Select(At1630 + 3600, FixtureProgram());

        Assert.Equal(100, selection.Functions.MaxLimitPercent);
        Assert.Null(selection.Active);
        Assert.Null(selection.Functions.VoltVar);
    }

    [Fact]
    public void Each_setting_is_resolved_on_its_own_by_primacy()
    {
        var contracted = Program(1, Event("A1", At1700 - 60, 600, At1700 - 600, new DerControlBase { OpModMaxLimW = 4000 }));
        var other = Program(2, Event("B1", At1700 - 60, 600, At1700 - 300, new DerControlBase { OpModMaxLimW = 2000, OpModEnergize = false }));

        var f = Select(At1700, other, contracted).Functions;

        Assert.Equal(40, f.MaxLimitPercent);
        Assert.Equal(false, f.Energize);
    }

    [Fact]
    public void Within_one_program_the_later_event_wins()
    {
        var program = Program(1,
            Event("A1", At1700 - 600, 1200, At1700 - 900, new DerControlBase { OpModMaxLimW = 7000 }),
            Event("A2", At1700 - 60, 600, At1700 - 120, new DerControlBase { OpModMaxLimW = 3000 }));

        Assert.Equal(30, Select(At1700, program).Functions.MaxLimitPercent);
    }

    [Fact]
    public void The_defaults_alone_and_each_event_to_come_alone_are_kept_for_a_device_that_keeps_a_schedule()
    {
        var selection = Select(At1700, FixtureProgram());

        Assert.Equal(50, selection.Functions.MaxLimitPercent); // the event in force wins…
        Assert.Equal(100, selection.Defaults.MaxLimitPercent); // …and the default it overrides is still known
        Assert.Null(selection.Defaults.VoltVar);
        Assert.Null(selection.Defaults.FixedPowerFactorInject);
        Assert.NotNull(selection.Defaults.EnterService);
        var inForce = Assert.Single(selection.Schedule); // the cancelled event and another device's are not in it
        Assert.Equal("C1000000000000000000000000000001", inForce.MRid);
        Assert.Equal(50, inForce.Functions.MaxLimitPercent);
        Assert.Equal(0.95, inForce.Functions.FixedPowerFactorInject!.PowerFactor, 6);
        Assert.Null(inForce.Functions.Energize); // the default's, not the event's
        Assert.Null(inForce.Functions.EnterService);
        Assert.Equal((At1630, At1630 + 3600), (inForce.EffectiveStart, inForce.EffectiveEnd));
    }

    [Fact]
    public void An_event_to_come_is_in_the_schedule_and_one_a_newer_event_will_supersede_ends_where_it_begins()
    {
        var program = Program(1,
            Event("A1", At1700 - 600, 3600, At1700 - 900, new DerControlBase { OpModMaxLimW = 7000 }),
            Event("A2", At1700 + 1200, 600, At1700 - 120, new DerControlBase { OpModEnergize = false }),
            Event("A0", At1700 - 7200, 600, At1700 - 9000, new DerControlBase { OpModMaxLimW = 1000 }));

        var selection = Select(At1700, program);

        Assert.Equal(["A1", "A2"], selection.Schedule.Select(e => e.MRid)); // earliest first; A0 is over
        Assert.Equal(At1700 + 1200, selection.Schedule[0].EffectiveEnd); // A2 takes over then
        Assert.Equal(EventPhase.Active, selection.Events.Single(e => e.Control.MRid == "A1").Phase);
        Assert.Equal(false, selection.Schedule[1].Functions.Energize);
        Assert.Null(selection.Schedule[1].Functions.MaxLimitPercent);
        Assert.Equal((At1700 + 1200, At1700 + 1800), (selection.Schedule[1].EffectiveStart, selection.Schedule[1].EffectiveEnd));
    }

    [Fact]
    public void A_superseded_event_is_dropped()
    {
        var program = Program(1, Event("A1", At1700 - 60, 600, At1700 - 120, new DerControlBase { OpModMaxLimW = 3000 }, EventStatus.Superseded));

        var selection = Select(At1700, program);

        Assert.Null(selection.Functions.MaxLimitPercent);
        Assert.Equal(EventPhase.Superseded, selection.Events.Single().Phase);
    }

    [Fact]
    public void An_event_starts_at_its_start_and_stops_at_its_end()
    {
        var program = Program(1, Event("A1", At1700, 600, At1700 - 120, new DerControlBase { OpModEnergize = false }));

        Assert.Null(Select(At1700 - 1, program).Functions.Energize);
        Assert.Equal(false, Select(At1700, program).Functions.Energize);
        Assert.Equal(false, Select(At1700 + 599, program).Functions.Energize);
        Assert.Null(Select(At1700 + 600, program).Functions.Energize);
    }

    [Fact]
    public void The_next_change_is_the_earliest_future_start_or_end()
    {
        var program = Program(1,
            Event("A1", At1700 - 60, 600, At1700 - 900, new DerControlBase { OpModMaxLimW = 7000 }),
            Event("A2", At1700 + 300, 600, At1700 - 120, new DerControlBase { OpModMaxLimW = 3000 }));

        Assert.Equal(At1700 + 300, Select(At1700, program).NextChangeAt);
    }

    [Fact]
    public void Randomized_start_is_drawn_once_and_kept()
    {
        var control = Event("A1", At1700, 600, At1700 - 120, new DerControlBase { OpModEnergize = false });
        control.RandomizeStart = 300;
        var selector = new ControlSelector(new MaxRandomization());
        var program = Program(1, control);
        var curves = new Dictionary<string, DerCurve>();

        // MaxRandomization draws the largest offset: the event starts 300 s late, every time it is evaluated.
        Assert.Null(selector.Select([program], At1700 + 299, curves).Functions.Energize);
        Assert.Equal(false, selector.Select([program], At1700 + 300, curves).Functions.Energize);
        Assert.Equal(At1700 + 300 + 600, selector.Select([program], At1700 + 301, curves).Active?.EffectiveEnd);
    }

    [Fact]
    public void Cancelled_with_randomization_stops_after_its_drawn_delay()
    {
        var control = Event("A1", At1700 - 600, 3600, At1700 - 900, new DerControlBase { OpModMaxLimW = 1000 }, EventStatus.CancelledWithRandomization);
        control.RandomizeDuration = 120;
        control.EventStatus.DateTime = At1700;
        var selector = new ControlSelector(new MaxRandomization());
        var program = Program(1, control);
        var curves = new Dictionary<string, DerCurve>();

        Assert.Equal(10, selector.Select([program], At1700 + 119, curves).Functions.MaxLimitPercent);
        Assert.Null(selector.Select([program], At1700 + 120, curves).Functions.MaxLimitPercent);
    }

    [Fact]
    public void A_curve_of_the_wrong_type_is_ignored_and_reported()
    {
        var control = Event("A1", At1700 - 60, 600, At1700 - 120, new DerControlBase { OpModVoltWatt = new DerCurveLink { Href = "/derp/0/dc/0" } });

        var selection = Select(At1700, Program(1, control));

        Assert.Null(selection.Functions.VoltWatt);
        Assert.Contains(selection.Problems, p => p.Contains("type 11", StringComparison.Ordinal));
    }

    private sealed class MaxRandomization() : EventRandomization("")
    {
        public override int Draw(string mrid, ushort version, string what, int limit) => limit;
    }
}
