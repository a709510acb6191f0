using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;
using static Kitu.V2X.Portal.Tests.Domain.Mediation.Scenario;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

/// <summary>One row per reason: change one fact of an accepting case, and exactly that reason appears.</summary>
public sealed class ReasonTableTests
{
    /// <summary>Reasons of a command's life (a driver's stop, a lost link, an executor's answer…), not of a decision.</summary>
    private static readonly ReasonCode[] NotFromDecide = [.. ReasonCatalog.CommandLifecycle];

    public static TheoryData<ReasonCode> Codes => [.. Cases.Keys];

    private static readonly Dictionary<ReasonCode, Func<DecisionInput, DecisionInput>> Cases = new()
    {
        [ReasonCode.EvseNotBound] = i => i with { Grid = GridRules.NotIntegrated(EvseId, GridIntegration.NotBound) },
        [ReasonCode.EvseNotRegistered] = i => i with { Grid = GridRules.NotIntegrated(EvseId, GridIntegration.NotRegistered, "PIN mismatch") },
        [ReasonCode.EvseGridRulesMissing] = i => i with { Grid = GridRules.NotIntegrated(EvseId, GridIntegration.RulesMissing) },
        [ReasonCode.EvseGridRulesStale] = i => i with { Grid = i.Grid with { ValidUntil = Now.AddSeconds(-1) } },
        [ReasonCode.EvseGridFailed] = i => i with { Grid = GridRules.NotIntegrated(EvseId, GridIntegration.Failed, "certificate mismatch") },
        [ReasonCode.EvseOffline] = i => i with { Evse = i.Evse with { Online = false } },
        [ReasonCode.EvseLinkWithoutV2x] = i => i with { Evse = i.Evse with { LinkCarriesDischarge = false } },
        [ReasonCode.EvseDischargeNotAllowed] = i => i with { Evse = i.Evse with { OwnerAllowsDischarge = false } },
        [ReasonCode.EvseCannotDischarge] = i => i with { Evse = i.Evse with { RatedDischargeKw = 0 } },
        [ReasonCode.EvseAcVehicleWithoutJ3072] = i => i with { Evse = i.Evse with { Current = CurrentType.Ac }, Vehicle = i.Vehicle with { J3072Capable = false } },
        [ReasonCode.EvseCurrentNotSupportedByVehicle] = i => i with { Vehicle = i.Vehicle with { SupportsDcDischarge = false } },
        [ReasonCode.EvseOutsideSiteHours] = i => i.WithPolicy(new SitePolicy { AllowedHours = new(new(22, 0), new(6, 0)) }),
        [ReasonCode.EvseSiteExportCapReached] = i => i with { Evse = i.Evse with { SiteExportHeadroomKw = 0, SitePolicy = new SitePolicy { MaxExportKw = 50 } } },
        [ReasonCode.EvseTripped] = i => i with { Evse = i.Evse with { GridState = EvseGridState.Tripped } },
        [ReasonCode.EvseEnteringService] = i => i with { Evse = i.Evse with { GridState = EvseGridState.EnteringService } },
        [ReasonCode.GridCeaseToEnergize] = i => i with { Grid = i.Grid with { Functions = new() { Energize = false } } },
        [ReasonCode.GridDisconnected] = i => i with { Grid = i.Grid with { Functions = new() { Connect = false } } },
        [ReasonCode.GridExportLimitZero] = i => i with { Grid = i.Grid with { Functions = new() { MaxLimitPercent = 0 } } },
        [ReasonCode.EvNotPluggedIn] = i => i with { Vehicle = i.Vehicle with { PluggedIn = false } },
        [ReasonCode.EvCannotDischarge] = i => i with { Vehicle = i.Vehicle with { MaxDischargeKw = 0 } },
        [ReasonCode.EvSocAtFloor] = i => i.WithSoc(38),
        [ReasonCode.EvChargerNotTrusted] = i => i.WithPreferences(p => { p.OnlyTrustedChargers = true; p.TrustedEvseIds = [Guid.NewGuid()]; }),
        [ReasonCode.EvNoConsent] = i => i.WithPreferences(p => p.Consent = false),
        [ReasonCode.EvOptedOutToday] = i => i.WithPreferences(p => p.NotTodayUntil = new DateTimeOffset(2026, 6, 16, 0, 0, 0, TimeSpan.Zero)),
        [ReasonCode.EvOutsideAllowedWindows] = i => i.WithPreferences(p => p.AllowedWindows = [new(new(1, 0), new(5, 0))]),
        [ReasonCode.EvDepartureTargetUnreachable] = i => i.WithPreferences(p => p.Departures = [new(DayOfWeek.Monday, new(17, 20), 80)]),
        [ReasonCode.EvNotEnrolled] = i => i with { Event = i.Event with { EnrollmentRank = null } },
        [ReasonCode.EvNoTelematicsLink] = i => i with { Event = i.Event with { Executor = ProgramExecutor.Ev }, Vehicle = i.Vehicle with { TelematicsOnline = false } },
        [ReasonCode.ProgramTargetReached] = i => i with { Event = i.Event with { RemainingTargetKw = 0.2 } },
        [ReasonCode.ProgramNotPublished] = i => i with { Event = i.Event with { ProgramStatus = ProgramStatus.Retired } },
        [ReasonCode.ProgramNotEligible] = i => i with { Event = i.Event with { SiteEligible = false } },
        [ReasonCode.ProgramEventNotStarted] = i => i with { Event = i.Event with { Start = Now.AddMinutes(10), End = Now.AddMinutes(40) } },
        [ReasonCode.ProgramEventEnded] = i => i with { Event = i.Event with { Start = Now.AddMinutes(-40), End = Now.AddMinutes(-1) } },
        [ReasonCode.ProgramEventCancelled] = i => i with { Event = i.Event with { Cancelled = true } },
        [ReasonCode.ProgramSuperseded] = i => i with
        {
            CompetingEvents = [i.Event with { EventId = Guid.NewGuid(), ProgramName = "Grid Emergency", IsEmergency = true, EnrollmentRank = 2 }],
        },
    };

    [Fact]
    public void The_untouched_scenario_is_accepted()
    {
        var decision = AgreementToDischarge.Decide(Accepting());

        Assert.True(decision.Accepted, decision.ToString());
        Assert.Empty(decision.Reasons);
        Assert.Equal(5, decision.Kw);
        Assert.Equal(TheEvent.End, decision.Until);
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Each_reason_refuses_on_its_own(ReasonCode code)
    {
        var decision = AgreementToDischarge.Decide(Cases[code](Accepting()));

        Assert.False(decision.Accepted);
        Assert.Equal(0, decision.Kw);
        Assert.Equal([code], decision.Reasons.Select(r => r.Code));
        var reason = decision.Reasons[0];
        Assert.Equal(ReasonCatalog.Of(code).Side, reason.Side);
        Assert.False(string.IsNullOrWhiteSpace(reason.Text));
        Assert.EndsWith(".", reason.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_covers_every_reason_decide_can_give()
    {
        var expected = Enum.GetValues<ReasonCode>().Except(NotFromDecide).Order();

        Assert.Equal(expected, Cases.Keys.Order());
    }

    [Fact]
    public void The_catalogue_has_one_entry_per_code_with_a_unique_id_prefixed_by_its_side()
    {
        Assert.Equal(Enum.GetValues<ReasonCode>().Order(), ReasonCatalog.All.Select(e => e.Code).Order());
        Assert.Equal(ReasonCatalog.All.Count, ReasonCatalog.All.Select(e => e.Id).Distinct().Count());
        Assert.All(ReasonCatalog.All, e => Assert.StartsWith(e.Side.ToString().ToLowerInvariant() + ".", e.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_reason_is_listed_not_just_the_first()
    {
        var input = Accepting().WithSoc(38).WithPreferences(p => p.Consent = false) with
        {
            Grid = GridRules.NotIntegrated(EvseId, GridIntegration.NotBound),
            Evse = TheEvse with { OwnerAllowsDischarge = false },
        };

        var decision = AgreementToDischarge.Decide(input);

        Assert.Equal(
            [ReasonCode.EvseNotBound, ReasonCode.EvseDischargeNotAllowed, ReasonCode.EvNoConsent, ReasonCode.EvSocAtFloor],
            decision.Reasons.Select(r => r.Code));
        Assert.Equal([RefusingSide.Evse, RefusingSide.Evse, RefusingSide.Ev, RefusingSide.Ev], decision.Reasons.Select(r => r.Side));
    }

    [Fact]
    public void The_floor_reason_names_the_numbers()
    {
        var decision = AgreementToDischarge.Decide(Accepting().WithSoc(38));

        Assert.Equal("Your car is at 38 %, below your 40 % floor.", decision.Reasons.Single().Text);
    }

    [Fact]
    public void A_higher_site_floor_applies_and_is_named_as_the_sites()
    {
        var decision = AgreementToDischarge.Decide(Accepting().WithSoc(45).WithPolicy(new SitePolicy { SocFloorPercent = 50 }));

        Assert.Equal("Your car is at 45 %, below the site's 50 % floor.", decision.Reasons.Single().Text);
    }

    [Fact]
    public void Soc_exactly_at_the_floor_refuses()
    {
        var decision = AgreementToDischarge.Decide(Accepting().WithSoc(40));

        Assert.Equal("Your car is at 40 %, at your 40 % floor.", decision.Reasons.Single().Text);
    }

    [Fact]
    public void Not_today_ends_at_the_instant_it_was_set_to()
    {
        var midnight = new DateTimeOffset(2026, 6, 16, 0, 0, 0, TimeSpan.Zero);
        var optedOut = Accepting().WithPreferences(p => p.NotTodayUntil = midnight);

        Assert.True(AgreementToDischarge.Decide(optedOut with { Now = midnight.AddTicks(-1), Event = TheEvent with { End = midnight.AddHours(1) } }).Has(ReasonCode.EvOptedOutToday));
        Assert.False(AgreementToDischarge.Decide(optedOut with { Now = midnight, Event = TheEvent with { End = midnight.AddHours(1) }, Grid = TheGrid with { ValidUntil = midnight.AddHours(1) } }).Has(ReasonCode.EvOptedOutToday));
    }

    [Fact]
    public void A_superseded_event_says_which_event_wins_and_why()
    {
        var decision = AgreementToDischarge.Decide(Cases[ReasonCode.ProgramSuperseded](Accepting()));

        Assert.Equal("Grid Emergency comes first: it is a utility emergency program, which always goes first.", decision.Reasons.Single().Text);
    }

    [Fact]
    public void An_ac_charger_with_a_j3072_car_is_fine()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Evse = TheEvse with { Current = CurrentType.Ac } });

        Assert.True(decision.Accepted, decision.ToString());
    }
}
