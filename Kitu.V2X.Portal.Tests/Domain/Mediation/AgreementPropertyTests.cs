using FsCheck;
using FsCheck.Fluent;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

/// <summary>Properties of the rules over many random cases (FsCheck; a failure prints its seed to replay it).</summary>
public sealed class AgreementPropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(2000);

    private static Arbitrary<DecisionInput> Inputs => Gen.Choose(0, int.MaxValue).Select(RandomCase.Build).ToArbitrary();

    private static void Holds(Func<DecisionInput, bool> property) => Check.One(Config, Prop.ForAll(Inputs, property));

    [Fact]
    public void An_accepted_decision_has_no_reason_and_a_refused_one_has_at_least_one()
    {
        Holds(i =>
        {
            var d = AgreementToDischarge.Decide(i);
            return d.Accepted ? d.Reasons.Count == 0 && d.Kw > 0 && d.Until > i.Now : d.Reasons.Count > 0 && d.Kw == 0;
        });
    }

    [Fact]
    public void The_commanded_power_is_never_above_any_limit()
    {
        Holds(i =>
        {
            var d = AgreementToDischarge.Decide(i);
            return !d.Accepted || (d.Kw <= i.Event.RequestedKw
                && d.Kw <= i.Grid.ExportCapKw(i.Evse.RatedDischargeKw)
                && d.Kw <= i.Evse.RatedDischargeKw
                && d.Kw <= i.Vehicle.MaxDischargeKw
                && d.Kw <= (i.Evse.SiteExportHeadroomKw ?? double.MaxValue)
                && d.Kw <= (i.Event.ProgramMaxKwPerVehicle ?? double.MaxValue));
        });
    }

    [Fact]
    public void The_soc_is_never_planned_below_the_floor()
    {
        Holds(i =>
        {
            var d = AgreementToDischarge.Decide(i);
            if (!d.Accepted)
            {
                return true;
            }

            var socAtEnd = i.Vehicle.SocPercent - (d.Kw * (d.Until - i.Now).TotalHours / i.Vehicle.BatteryKwh * 100);
            return socAtEnd >= AgreementToDischarge.EffectiveFloor(i) - 1e-6 && d.Until <= i.Event.End;
        });
    }

    [Fact]
    public void Without_consent_or_with_not_today_discharge_is_always_refused()
    {
        Holds(i =>
        {
            var optedOut = !i.Preferences.Consent || i.Preferences.NotTodayUntil > i.Now;
            return !optedOut || !AgreementToDischarge.Decide(i).Accepted;
        });
    }

    [Fact]
    public void Not_grid_integrated_is_always_refused_with_an_evse_reason()
    {
        Holds(i =>
        {
            if (i.Grid.IsIntegratedAt(i.Now))
            {
                return true;
            }

            var d = AgreementToDischarge.Decide(i);
            return !d.Accepted && d.Reasons.Any(r => r.Side == RefusingSide.Evse && r.Id.StartsWith("evse.", StringComparison.Ordinal));
        });
    }

    [Fact]
    public void The_same_input_gives_the_same_decision()
    {
        Holds(i =>
        {
            var a = AgreementToDischarge.Decide(i);
            var b = AgreementToDischarge.Decide(i);
            return a.Accepted == b.Accepted && a.Kw.Equals(b.Kw) && a.Until == b.Until && a.Reasons.SequenceEqual(b.Reasons);
        });
    }

    [Fact]
    public void An_accepted_command_lets_the_car_reach_its_departure_target()
    {
        Holds(i =>
        {
            var d = AgreementToDischarge.Decide(i);
            if (!d.Accepted || i.Preferences.Departures.Count == 0)
            {
                return true;
            }

            var departure = RandomCase.NextDeparture(i);
            if (departure is null)
            {
                return true;
            }

            var (at, target) = departure.Value;
            var socAtEnd = i.Vehicle.SocPercent - (d.Kw * (d.Until - i.Now).TotalHours / i.Vehicle.BatteryKwh * 100);
            var recharged = socAtEnd + (i.Evse.RatedChargeKw * (at - d.Until).TotalHours / i.Vehicle.BatteryKwh * 100);
            return recharged >= target - 1e-6 || d.Until <= i.Now;
        });
    }

    [Fact]
    public void A_command_just_accepted_passes_the_monitor_at_once()
    {
        Holds(i =>
        {
            var d = AgreementToDischarge.Decide(i);
            return !d.Accepted || AgreementToDischarge.Monitor(new RunningCommand(Guid.Empty, d.Kw, d.Until), i).Continue;
        });
    }

    [Fact]
    public void Event_priority_is_a_consistent_order()
    {
        var pairs = Gen.Choose(0, int.MaxValue).Select(seed =>
        {
            var random = new Random(seed);
            return (RandomCase.Offer(random), RandomCase.Offer(random));
        }).ToArbitrary();

        Check.One(Config, Prop.ForAll(pairs, p =>
            Math.Sign(EventPriority.Compare(p.Item1, p.Item2)) == -Math.Sign(EventPriority.Compare(p.Item2, p.Item1))
            && EventPriority.Compare(p.Item1, p.Item1) == 0));
    }

    [Fact]
    public void The_random_cases_reach_both_outcomes_so_the_properties_are_not_vacuous()
    {
        var decisions = Enumerable.Range(0, 2000).Select(seed => AgreementToDischarge.Decide(RandomCase.Build(seed))).ToList();
        var accepted = decisions.Count(d => d.Accepted);

        Assert.InRange(accepted, 200, 1800);
        Assert.Contains(decisions, d => d.Accepted && d.EndLimitedBy == EndLimit.SocFloor);
        Assert.Contains(decisions, d => d.Accepted && d.PowerLimitedBy == PowerLimit.Grid);
    }

    /// <summary>Builds a random but plausible case from a seed; a share of them are accepted.</summary>
    private static class RandomCase
    {
        private static readonly DateTimeOffset Now = Scenario.Now;
        private static readonly Guid EvseId = Scenario.EvseId;

        public static DecisionInput Build(int seed)
        {
            var r = new Random(seed);
            bool Mostly(double p = 0.95) => r.NextDouble() < p;
            double Between(double lo, double hi) => Math.Round(lo + (r.NextDouble() * (hi - lo)), 2);

            var prefs = new DischargePreferences
            {
                VehicleId = Scenario.VehicleId,
                Consent = Mostly(),
                SocFloorPercent = Between(0, 60),
                NotTodayUntil = Mostly() ? null : Now.AddHours(Between(-12, 12)),
                OnlyTrustedChargers = !Mostly(),
                TrustedEvseIds = Mostly(0.5) ? [EvseId] : [],
                AllowedWindows = Mostly(0.7) ? [] : [new(new(r.Next(24), 0), new(r.Next(24), 30))],
                Departures = Mostly(0.7) ? [] : [new((DayOfWeek)r.Next(7), new(r.Next(24), r.Next(60)), Between(20, 100))],
            };
            var grid = Mostly()
                ? new GridRules
                {
                    EvseId = EvseId,
                    Integration = GridIntegration.Integrated,
                    ValidUntil = Now.AddMinutes(Between(-10, 60)),
                    Functions = new()
                    {
                        Energize = Mostly(0.9) ? null : r.Next(2) == 0,
                        Connect = Mostly(0.9) ? null : r.Next(2) == 0,
                        MaxLimitPercent = Mostly(0.7) ? null : Between(0, 100),
                    },
                    ExportLimitW = Mostly(0.8) ? null : Between(0, 20000),
                }
                : GridRules.NotIntegrated(EvseId, (GridIntegration)r.Next(1, 6));
            var offer = Offer(r) with { Start = Now.AddMinutes(Between(-60, 3)), End = Now.AddMinutes(Between(-2, 240)) };

            return new DecisionInput
            {
                Now = Now,
                Event = offer,
                CompetingEvents = Mostly(0.7) ? [] : [Offer(r)],
                Evse = new EvseFacts
                {
                    EvseId = EvseId,
                    Name = "Charger",
                    Current = r.Next(2) == 0 ? CurrentType.Ac : CurrentType.Dc,
                    RatedChargeKw = Between(0, 22),
                    RatedDischargeKw = Mostly(0.95) ? Between(1, 25) : 0,
                    OwnerAllowsDischarge = Mostly(),
                    Online = Mostly(0.95),
                    SiteExportHeadroomKw = Mostly(0.7) ? null : Between(0, 30),
                    SitePolicy = new SitePolicy
                    {
                        SocFloorPercent = Mostly(0.7) ? null : Between(0, 90),
                        AllowedHours = Mostly(0.8) ? null : new DailyWindow(new(r.Next(24), 0), new(r.Next(24), 0)),
                    },
                },
                Vehicle = new VehicleFacts
                {
                    VehicleId = Scenario.VehicleId,
                    BatteryKwh = Between(10, 120),
                    MaxDischargeKw = Mostly(0.95) ? Between(1, 20) : 0,
                    SupportsAcDischarge = Mostly(0.8),
                    SupportsDcDischarge = Mostly(),
                    J3072Capable = Mostly(0.8),
                    SocPercent = Between(10, 100),
                    PluggedIn = Mostly(0.95),
                },
                Preferences = prefs,
                Grid = grid,
            };
        }

        public static EventOffer Offer(Random r) => Scenario.TheEvent with
        {
            EventId = new Guid(r.Next(), 0, 0, new byte[8]),
            ProgramName = "P" + r.Next(100),
            OperatorKind = (OperatorKind)r.Next(4),
            IsEmergency = r.Next(5) == 0,
            EnrollmentRank = r.Next(15) == 0 ? null : r.Next(1, 4),
            Start = Now.AddMinutes(r.Next(-60, 5)),
            End = Now.AddMinutes(r.Next(1, 240)),
            CreatedAt = Now.AddMinutes(-r.Next(120)),
            RequestedKw = Math.Round(0.5 + (r.NextDouble() * 49.5), 2),
            ProgramMaxKwPerVehicle = r.Next(3) == 0 ? r.Next(1, 20) : null,
            Cancelled = r.Next(20) == 0,
            SiteEligible = r.Next(20) != 0,
            ProgramStatus = r.Next(20) == 0 ? ProgramStatus.Retired : ProgramStatus.Published,
        };

        /// <summary>An independent reading of "the next departure" for the property, in the driver's zone (UTC here).</summary>
        public static (DateTimeOffset At, double Target)? NextDeparture(DecisionInput i)
        {
            for (var day = 0; day <= 7; day++)
            {
                var date = i.Now.UtcDateTime.Date.AddDays(day);
                foreach (var d in i.Preferences.Departures.Where(d => d.Day == date.DayOfWeek))
                {
                    var at = new DateTimeOffset(date + d.Time.ToTimeSpan(), TimeSpan.Zero);
                    if (at > i.Now)
                    {
                        return (at, d.TargetSocPercent);
                    }
                }
            }

            return null;
        }
    }
}
