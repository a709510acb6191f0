using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;
using static Kitu.V2X.Portal.Tests.Domain.Mediation.Scenario;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

public sealed class MonitorTests
{
    private static readonly RunningCommand Command = new(Guid.NewGuid(), 5, Now.AddMinutes(30));

    private static MonitorVerdict Check(DecisionInput input, RunningCommand? command = null) =>
        AgreementToDischarge.Monitor(command ?? Command, input);

    private static IEnumerable<ReasonCode> Codes(MonitorVerdict v) => v.Reasons.Select(r => r.Code);

    [Fact]
    public void A_command_whose_facts_still_hold_continues()
    {
        Assert.True(Check(Accepting()).Continue);
    }

    [Fact]
    public void Stops_when_the_soc_reaches_the_floor()
    {
        var verdict = Check(Accepting().WithSoc(40));

        Assert.False(verdict.Continue);
        Assert.Equal([ReasonCode.EvSocAtFloor], Codes(verdict));
    }

    [Fact]
    public void Stops_when_consent_is_withdrawn()
    {
        Assert.Equal([ReasonCode.EvNoConsent], Codes(Check(Accepting().WithPreferences(p => p.Consent = false))));
    }

    [Fact]
    public void Stops_when_the_grid_says_cease_to_energize()
    {
        Assert.Equal([ReasonCode.GridCeaseToEnergize], Codes(Check(Accepting() with { Grid = TheGrid with { Functions = new() { Energize = false } } })));
    }

    [Fact]
    public void Stops_when_the_grid_rules_go_stale()
    {
        Assert.Equal([ReasonCode.EvseGridRulesStale], Codes(Check(Accepting() with { Now = TheGrid.ValidUntil })));
    }

    [Fact]
    public void Stops_when_the_grid_lowers_the_limit_below_the_running_power()
    {
        var verdict = Check(Accepting() with { Grid = TheGrid with { Functions = new() { MaxLimitPercent = 30 } } });

        Assert.Equal([ReasonCode.GridLimitLowered], Codes(verdict));
        Assert.Equal("The utility lowered this charger's export limit to 3 kW, below the 5 kW being discharged.", verdict.Reasons[0].Text);
    }

    [Fact]
    public void Continues_when_the_grid_limit_still_allows_the_running_power()
    {
        Assert.True(Check(Accepting() with { Grid = TheGrid with { Functions = new() { MaxLimitPercent = 50 } } }).Continue);
    }

    [Fact]
    public void Stops_when_an_earlier_departure_puts_the_target_at_risk()
    {
        var verdict = Check(Accepting().WithPreferences(p => p.Departures = [new(DayOfWeek.Monday, new(17, 20), 78)]));

        Assert.Equal([ReasonCode.EvDepartureTargetUnreachable], Codes(verdict));
    }

    [Fact]
    public void Stops_when_the_command_expires()
    {
        Assert.Equal([ReasonCode.ProgramEventEnded], Codes(Check(Accepting(), Command with { Until = Now })));
    }

    [Fact]
    public void Stops_when_the_owner_switches_discharge_off()
    {
        Assert.Equal([ReasonCode.EvseDischargeNotAllowed], Codes(Check(Accepting() with { Evse = TheEvse with { OwnerAllowsDischarge = false } })));
    }

    [Fact]
    public void Stops_when_the_event_is_cancelled()
    {
        Assert.Equal([ReasonCode.ProgramEventCancelled], Codes(Check(Accepting() with { Event = TheEvent with { Cancelled = true } })));
    }

    [Fact]
    public void Stops_when_the_evse_is_unbound()
    {
        Assert.Equal([ReasonCode.EvseNotBound], Codes(Check(Accepting() with { Grid = GridRules.NotIntegrated(EvseId, GridIntegration.NotBound) })));
    }
}
