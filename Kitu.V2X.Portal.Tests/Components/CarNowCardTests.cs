using Bunit;
using Kitu.V2X.Portal.Components.Pages.Drivers;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Drivers;

namespace Kitu.V2X.Portal.Tests.Components;

/// <summary>The driver's Now card in each of its states.</summary>
public sealed class CarNowCardTests : ComponentTestBase
{
    private static readonly Guid Car = Guid.NewGuid();

    private static CarNow State(string? evse = "Garage charger", double? soc = 72, double power = 0, DischargeCommand? command = null, EventDecision? decision = null, bool consent = true) =>
        new(Car, "Dana's car", "KITU-1", consent, 40, evse is null ? null : Guid.NewGuid(), evse, soc, power, command, decision, TimeZoneInfo.Utc);

    private static DischargeCommand Command(CommandState state, string? reason = null) =>
        Kitu.V2X.Portal.Tests.Domain.Mediation.TestCommands.In(state, reason, new DateTimeOffset(DateTime.UtcNow.Year + 1, 11, 25, 18, 30, 0, TimeSpan.Zero));

    [Fact]
    public void Not_plugged_in_says_so_without_a_stop_button()
    {
        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, State(evse: null, soc: null)));

        Assert.Equal("Not plugged in at a connected charger.", cut.Find("[data-testid='car-where']").TextContent.Trim());
        Assert.Equal("—", cut.Find("[data-testid='car-soc']").TextContent);
        Assert.Empty(cut.FindAll("[data-testid='stop-now']"));
    }

    [Fact]
    public void Plugged_in_without_an_event_is_waiting()
    {
        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, State()));

        Assert.Equal("Plugged in at Garage charger · waiting for an event", Squeeze(cut.Find("[data-testid='car-where']").TextContent));
        Assert.Equal("72.0 %", cut.Find("[data-testid='car-soc']").TextContent);
    }

    [Fact]
    public void Discharging_shows_the_power_the_program_the_acknowledgement_and_a_stop_button_that_calls_back()
    {
        var stopped = false;
        var cut = Render<CarNowCard>(p => p
            .Add(x => x.Car, State(power: -5, command: Command(CommandState.Running)))
            .Add(x => x.OnStop, () => stopped = true));

        Assert.Equal("−5.0 kW", cut.Find("[data-testid='car-power']").TextContent);
        Assert.Contains("discharging for Evening Peak until 18:30", cut.Find("[data-testid='car-where']").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid='car-acked']"));
        cut.Find("[data-testid='stop-now']").Click();
        Assert.True(stopped);
    }

    [Fact]
    public void A_refusal_is_explained_with_every_reason()
    {
        var decision = new EventDecision
        {
            Accepted = false,
            Reasons = [new Reason(ReasonCode.EvSocAtFloor, "Your car is at 38 %, below your 40 % floor."), new Reason(ReasonCode.EvseNotBound, "Garage charger is not connected to the grid layer.")],
        };

        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, State(soc: 38, decision: decision)));

        Assert.Equal("Not discharging: Your car is at 38 %, below your 40 % floor. Garage charger is not connected to the grid layer.", cut.Find("[data-testid='car-refused']").TextContent.Trim());
    }

    [Fact]
    public void A_stopped_discharge_says_why_and_that_the_charger_confirmed_it()
    {
        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, State(command: Command(CommandState.Stopped, "You stopped discharging."))));

        Assert.Equal("Stopped: You stopped discharging. The charger confirms it stopped.", cut.Find("[data-testid='car-ended']").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid='stop-now']"));
    }

    [Fact]
    public void A_car_its_driver_stopped_for_an_event_still_in_force_offers_to_resume_and_calls_back()
    {
        var resumed = false;
        var cut = Render<CarNowCard>(p => p
            .Add(x => x.Car, State(command: Command(CommandState.Stopped, "You stopped discharging.")) with { CanResume = true })
            .Add(x => x.OnResume, () => resumed = true));

        cut.Find("[data-testid='resume']").Click();

        Assert.True(resumed);
        Assert.Empty(Render<CarNowCard>(p => p.Add(x => x.Car, State(command: Command(CommandState.Stopped, "You stopped discharging.")))).FindAll("[data-testid='resume']"));
    }

    private static string Squeeze(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();

    [Fact]
    public void Consent_off_says_discharge_is_not_allowed()
    {
        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, State(consent: false)));

        Assert.Contains("Discharge not allowed", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refusal_newer_than_a_stop_is_the_one_current_state_and_the_past_is_a_dated_history()
    {
        var stopped = Command(CommandState.Stopped, "You stopped discharging.");
        var decision = new EventDecision { Accepted = false, DecidedAt = DateTimeOffset.UtcNow.AddMinutes(1), Reasons = [new Reason(ReasonCode.EvSocAtFloor, "Your car is at 38 %, below your 40 % floor.")] };
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var at = new DateTimeOffset(2026, 12, 8, 2, 30, 0, TimeSpan.Zero);
        var car = State(soc: 38, command: stopped, decision: decision) with
        {
            TimeZone = zone,
            History = [new CarNowHistory(at, "Evening Peak: 1.2 kWh, stopped — Cease to energize.")],
        };

        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, car));

        Assert.Equal(CarNowState.Refused, car.State);
        Assert.Equal("Plugged in at Garage charger · not discharging", Squeeze(cut.Find("[data-testid='car-where']").TextContent));
        Assert.NotNull(cut.Find("[data-testid='car-refused']"));
        Assert.Empty(cut.FindAll("[data-testid='car-ended']"));
        Assert.DoesNotContain("waiting for an event", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("Dec 7, 18:30 PST · Evening Peak: 1.2 kWh, stopped — Cease to energize.", Squeeze(cut.Find("[data-testid='car-history'] li").TextContent));
    }

    [Fact]
    public void Discharging_names_the_zone_of_its_end_time()
    {
        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, State(power: -5, command: Command(CommandState.Running))));

        Assert.Contains("until 18:30 UTC", cut.Find("[data-testid='car-where']").TextContent, StringComparison.Ordinal);
    }
}
