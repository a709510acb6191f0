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

    private static DischargeCommand Command(CommandState state, string? reason = null) => new()
    {
        ProgramName = "Evening Peak",
        Kw = 5,
        Until = new DateTimeOffset(2026, 11, 25, 18, 30, 0, TimeSpan.Zero),
        State = state,
        ReasonText = reason,
        EndedAt = reason is null ? null : DateTimeOffset.UtcNow,
    };

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

    private static string Squeeze(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();

    [Fact]
    public void Consent_off_says_discharge_is_not_allowed()
    {
        var cut = Render<CarNowCard>(p => p.Add(x => x.Car, State(consent: false)));

        Assert.Contains("Discharge not allowed", cut.Markup, StringComparison.Ordinal);
    }
}
