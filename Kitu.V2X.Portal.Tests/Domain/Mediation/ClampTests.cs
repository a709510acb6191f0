using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using static Kitu.V2X.Portal.Tests.Domain.Mediation.Scenario;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

public sealed class ClampTests
{
    [Fact]
    public void The_request_binds_when_it_is_the_smallest()
    {
        var decision = AgreementToDischarge.Decide(Accepting());

        Assert.Equal((5.0, PowerLimit.Request), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void The_grid_percent_limit_is_a_share_of_the_evse_rating()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Grid = TheGrid with { Functions = new() { MaxLimitPercent = 30 } } });

        Assert.Equal((3.0, PowerLimit.Grid), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void The_grid_watt_limit_binds()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Grid = TheGrid with { ExportLimitW = 2500 } });

        Assert.Equal((2.5, PowerLimit.Grid), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void The_evse_rating_binds()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Evse = TheEvse with { RatedDischargeKw = 4 } });

        Assert.Equal((4.0, PowerLimit.EvseRating), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void The_vehicle_limit_binds()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Vehicle = TheVehicle with { MaxDischargeKw = 3.3 } });

        Assert.Equal((3.3, PowerLimit.Vehicle), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void The_site_headroom_binds()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Evse = TheEvse with { SiteExportHeadroomKw = 1.5 } });

        Assert.Equal((1.5, PowerLimit.SiteHeadroom), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void The_programs_per_vehicle_maximum_binds()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Event = TheEvent with { ProgramMaxKwPerVehicle = 2 } });

        Assert.Equal((2.0, PowerLimit.Program), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void The_floor_ends_the_command_when_the_energy_above_it_runs_out()
    {
        // 45 % of 60 kWh with a 40 % floor leaves 3 kWh: 36 minutes at 5 kW.
        var input = Accepting().WithSoc(45) with { Event = TheEvent with { End = Now.AddHours(2) }, Grid = TheGrid with { ValidUntil = Now.AddHours(2) } };

        var decision = AgreementToDischarge.Decide(input);

        Assert.Equal((Now.AddMinutes(36), EndLimit.SocFloor), (decision.Until, decision.EndLimitedBy));
    }

    [Fact]
    public void The_departure_target_ends_the_command_so_the_car_can_charge_back()
    {
        // At 72 % of 60 kWh, 80 % at 18:00, charging at 11 kW: d = (60·(−0.08) + 11·1) / (5 + 11) = 0.3875 h.
        var input = Accepting().WithPreferences(p => p.Departures = [new(DayOfWeek.Monday, new(18, 0), 80)]);

        var decision = AgreementToDischarge.Decide(input);

        Assert.True(decision.Accepted, decision.ToString());
        Assert.Equal(EndLimit.Departure, decision.EndLimitedBy);
        Assert.Equal(Now.AddHours(0.3875), decision.Until);
    }

    [Fact]
    public void A_departure_in_the_drivers_own_time_zone_counts_in_local_time()
    {
        // 17:00 UTC is 10:00 in Los Angeles (PDT); a 10:30 departure there is 30 minutes away.
        var pacific = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        var input = Accepting().WithPreferences(p => p.Departures = [new(DayOfWeek.Monday, new(10, 30), 72)]) with { DriverTimeZone = pacific };

        var decision = AgreementToDischarge.Decide(input);

        // d = (0 + 11·0.5) / 16 = 0.34375 h
        Assert.Equal((Now.AddHours(0.34375), EndLimit.Departure), (decision.Until, decision.EndLimitedBy));
    }

    [Fact]
    public void Site_hours_end_the_command_when_they_close()
    {
        var decision = AgreementToDischarge.Decide(Accepting().WithPolicy(new SitePolicy { AllowedHours = new(new(16, 0), new(17, 10)) }));

        Assert.Equal((Now.AddMinutes(10), EndLimit.SiteHours), (decision.Until, decision.EndLimitedBy));
    }

    [Fact]
    public void The_drivers_window_ends_the_command_when_it_closes()
    {
        var decision = AgreementToDischarge.Decide(Accepting().WithPreferences(p => p.AllowedWindows = [new(new(16, 30), new(17, 20))]));

        Assert.Equal((Now.AddMinutes(20), EndLimit.DriverWindow), (decision.Until, decision.EndLimitedBy));
    }

    [Fact]
    public void A_window_across_midnight_contains_late_evening_and_early_morning()
    {
        var night = new DailyWindow(new(22, 0), new(6, 0));

        Assert.True(night.Contains(new(23, 30)));
        Assert.True(night.Contains(new(5, 59)));
        Assert.False(night.Contains(new(6, 0)));
        Assert.Equal(TimeSpan.FromMinutes(30), night.RemainingFrom(new(5, 30)));
        Assert.Equal(TimeSpan.FromHours(7), night.RemainingFrom(new(23, 0)));
    }

    [Fact]
    public void Too_little_energy_above_the_floor_for_a_minute_refuses()
    {
        // 0.1 % of 60 kWh = 0.06 kWh: 43 seconds at 5 kW.
        var decision = AgreementToDischarge.Decide(Accepting().WithSoc(40.1));

        Assert.Equal([ReasonCode.EvSocAtFloor], decision.Reasons.Select(r => r.Code));
    }

    [Fact]
    public void A_total_target_gives_a_car_at_most_what_is_left_of_it()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Event = Accepting().Event with { RemainingTargetKw = 3 } });

        Assert.True(decision.Accepted);
        Assert.Equal((3.0, PowerLimit.Request), (decision.Kw, decision.PowerLimitedBy));
    }

    [Fact]
    public void A_total_target_with_more_left_than_the_car_gives_does_not_raise_the_request()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Event = Accepting().Event with { RemainingTargetKw = 500 } });

        Assert.Equal(5.0, decision.Kw);
    }

    [Fact]
    public void A_met_total_target_refuses_further_cars_with_its_reason()
    {
        var decision = AgreementToDischarge.Decide(Accepting() with { Event = Accepting().Event with { RemainingTargetKw = AgreementToDischarge.TargetMetBelowKw - 0.1 } });

        Assert.Equal([ReasonCode.ProgramTargetReached], decision.Reasons.Select(r => r.Code));
    }
}
