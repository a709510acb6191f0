using Bunit;
using Kitu.V2X.Portal.Components.Pages.Programs;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Programs;
using Kitu.V2X.Portal.Tests.Components;

namespace Kitu.V2X.Portal.Tests.Programs;

/// <summary>What the operator reads about an event: a table of outcomes by reason in operator words, times in the program's zone, a target that holds.</summary>
public sealed class EventOutcomeTests : ComponentTestBase
{
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");

    private static ParticipantOutcome Refused(ReasonCode code, string driverText) =>
        new(Guid.NewGuid(), null, "Bay", ParticipantOutcome.Refused, null, 0, 0, 0, [new Reason(code, driverText)]);

    private static EventReport Report()
    {
        var start = new DateTimeOffset(2026, 12, 8, 2, 0, 0, TimeSpan.Zero);
        var programEvent = new ProgramEvent { ProgramId = Guid.NewGuid(), Start = start, End = start.AddMinutes(30), RequestedKwPerVehicle = 5 };
        ParticipantOutcome[] participants =
        [
            new(Guid.NewGuid(), "Van 1", "Bay 1", "Running", 5, 5, 0.4, 1, []),
            new(Guid.NewGuid(), "Van 2", "Bay 2", "Running", 5, 5, 0.4, 1, []),
            Refused(ReasonCode.EvSocAtFloor, "Your car is at 33 %, below your 40 % floor."),
            Refused(ReasonCode.EvSocAtFloor, "Your car is at 35 %, below your 40 % floor."),
            Refused(ReasonCode.EvseNotBound, "Bay 5 is not connected to the grid layer."),
            new(Guid.NewGuid(), "Van 6", "Bay 6", "Stopped", 5, 0, 0.1, 1, [new Reason(ReasonCode.EvStoppedByDriver, "You stopped discharging.")]),
        ];
        return new EventReport(programEvent, "Evening Peak", participants, new Dictionary<string, int>(), new Dictionary<string, int>(), 10, 0.9) { Zone = LosAngeles };
    }

    [Fact]
    public void Outcomes_are_counted_by_reason_in_the_catalogue_s_words_with_the_refusing_side()
    {
        var outcomes = Report().Outcomes();

        Assert.Equal(OutcomeRow.Discharging, outcomes[0].Kind);
        Assert.Equal(2, outcomes[0].Cars);
        var floor = outcomes.Single(o => o.Outcome == ReasonCatalog.Of(ReasonCode.EvSocAtFloor).Meaning);
        Assert.Equal((OutcomeRow.Refused, 2, "car"), (floor.Kind, floor.Cars, floor.Side));
        Assert.Equal("charger", outcomes.Single(o => o.Outcome == ReasonCatalog.Of(ReasonCode.EvseNotBound).Meaning).Side);
        Assert.Equal(OutcomeRow.Ended, outcomes[^1].Kind);
        Assert.DoesNotContain(outcomes, o => o.Outcome.Contains("Your", StringComparison.Ordinal) || o.Outcome.StartsWith("You ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_monitor_shows_the_event_in_the_program_s_zone_a_short_summary_and_the_table_never_a_driver_s_sentence()
    {
        var cut = Render<EventMonitor>(p => p.Add(x => x.Report, Report()));

        Assert.Contains("Dec 7, 18:00–18:30 PST", cut.Find("[data-testid='event-heading']").TextContent, StringComparison.Ordinal);
        Assert.Equal("2 discharging, 10 kW achieved, 0.9 kWh · 3 refused · 1 ended", cut.Find("[data-testid='monitor-summary']").TextContent);
        Assert.Equal(4, cut.FindAll("[data-testid='outcome-row']").Count);
        Assert.DoesNotContain("Your car", cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("You stopped", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_per_car_target_keeps_the_part_of_a_car_that_stopped()
    {
        var series = new EventPowerSeries(TimeProvider.System);
        var (eventId, a, b) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        Assert.Equal(10, series.PerCarTarget(eventId, [(a, 5), (b, 5)]));
        Assert.Equal(10, series.PerCarTarget(eventId, [(a, 5)])); // b stopped: the operator still asked for its 5 kW
        Assert.Equal(5, series.PerCarTarget(Guid.NewGuid(), [(a, 5)]));
    }
}
