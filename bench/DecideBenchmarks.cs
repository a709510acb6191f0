using BenchmarkDotNet.Attributes;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// Decisions per second of the agreement-to-discharge rules on one core. Goal: at least 1,000,000 a second
/// (≤ 1,000 ns each) for the common cases: an accepted decision, one refused for several reasons, and one with
/// a departure plan and a competing event to weigh.
/// </summary>
[MemoryDiagnoser]
public class DecideBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 17, 0, 0, TimeSpan.Zero);
    private DecisionInput accepted = default!;
    private DecisionInput refused = default!;
    private DecisionInput planned = default!;

    [GlobalSetup]
    public void Setup()
    {
        var evseId = Guid.NewGuid();
        var offer = new EventOffer
        {
            EventId = Guid.NewGuid(),
            ProgramId = Guid.NewGuid(),
            ProgramName = "Evening Peak",
            OperatorKind = OperatorKind.Utility,
            Start = Now.AddMinutes(-5),
            End = Now.AddMinutes(30),
            RequestedKw = 5,
            EnrollmentRank = 1,
        };
        accepted = new DecisionInput
        {
            Now = Now,
            Event = offer,
            Evse = new EvseFacts { EvseId = evseId, Name = "Garage", Current = CurrentType.Dc, RatedChargeKw = 11, RatedDischargeKw = 10, OwnerAllowsDischarge = true },
            Vehicle = new VehicleFacts { VehicleId = Guid.NewGuid(), BatteryKwh = 60, MaxDischargeKw = 7, SupportsDcDischarge = true, J3072Capable = true, SocPercent = 72 },
            Preferences = new DischargePreferences { Consent = true, SocFloorPercent = 40 },
            Grid = new GridRules { EvseId = evseId, Integration = GridIntegration.Integrated, ValidUntil = Now.AddMinutes(20), Functions = new() { MaxLimitPercent = 80 } },
        };
        refused = accepted with
        {
            Grid = GridRules.NotIntegrated(evseId, GridIntegration.NotBound),
            Evse = accepted.Evse with { OwnerAllowsDischarge = false },
            Vehicle = accepted.Vehicle with { SocPercent = 38 },
            Preferences = new DischargePreferences { Consent = false, SocFloorPercent = 40 },
        };
        planned = accepted with
        {
            Preferences = new DischargePreferences
            {
                Consent = true,
                SocFloorPercent = 40,
                Departures = [new(DayOfWeek.Monday, new(18, 0), 80), new(DayOfWeek.Tuesday, new(7, 30), 80)],
                AllowedWindows = [new(new(16, 0), new(21, 0))],
            },
            CompetingEvents = [offer with { EventId = Guid.NewGuid(), EnrollmentRank = 2 }],
        };
    }

    [Benchmark(Baseline = true)]
    public Decision Accepted() => AgreementToDischarge.Decide(accepted);

    [Benchmark]
    public Decision RefusedForFourReasons() => AgreementToDischarge.Decide(refused);

    [Benchmark]
    public Decision AcceptedWithDepartureWindowAndCompetitor() => AgreementToDischarge.Decide(planned);
}
