using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using static Kitu.V2X.Portal.Tests.Domain.Mediation.Scenario;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

public sealed class EventPriorityTests
{
    private static EventOffer Offer(string name, int? rank = 1, bool emergency = false, OperatorKind kind = OperatorKind.Utility, int startMinutes = -5) =>
        TheEvent with { EventId = Guid.NewGuid(), ProgramName = name, EnrollmentRank = rank, IsEmergency = emergency, OperatorKind = kind, Start = Now.AddMinutes(startMinutes) };

    [Fact]
    public void A_utility_emergency_program_beats_the_drivers_first_choice()
    {
        var emergency = Offer("Emergency", rank: 3, emergency: true);
        var favourite = Offer("Favourite", rank: 1);

        Assert.True(EventPriority.Compare(emergency, favourite) < 0);
    }

    [Fact]
    public void An_emergency_flag_from_a_non_utility_gives_no_priority()
    {
        var oem = Offer("OEM emergency", rank: 2, emergency: true, kind: OperatorKind.Oem);
        var favourite = Offer("Favourite", rank: 1);

        Assert.True(EventPriority.Compare(favourite, oem) < 0);
    }

    [Fact]
    public void The_drivers_rank_beats_an_earlier_event()
    {
        var ranked = Offer("Ranked first", rank: 1, startMinutes: -1);
        var earlier = Offer("Started earlier", rank: 2, startMinutes: -30);

        Assert.True(EventPriority.Compare(ranked, earlier) < 0);
        Assert.Equal("you ranked it higher", EventPriority.Why(ranked, earlier));
    }

    [Fact]
    public void With_equal_rank_the_earlier_event_wins()
    {
        var earlier = Offer("Earlier", startMinutes: -30);
        var later = Offer("Later", startMinutes: -1);

        Assert.True(EventPriority.Compare(earlier, later) < 0);
        Assert.Equal("its event started earlier", EventPriority.Why(earlier, later));
    }

    [Fact]
    public void A_lower_priority_competitor_does_not_supersede()
    {
        var input = Accepting() with { CompetingEvents = [Offer("Later, ranked lower", rank: 2, startMinutes: -1)] };

        Assert.True(AgreementToDischarge.Decide(input).Accepted);
    }

    [Fact]
    public void A_competitor_the_car_is_not_enrolled_in_does_not_supersede()
    {
        var input = Accepting() with { CompetingEvents = [Offer("Not enrolled", rank: null, emergency: true)] };

        Assert.True(AgreementToDischarge.Decide(input).Accepted);
    }

    [Fact]
    public void Programs_are_shown_with_utility_emergencies_pinned_first()
    {
        DischargeProgram P(string name, bool emergency = false, OperatorKind kind = OperatorKind.Utility) =>
            new() { Name = name, IsEmergency = emergency, OperatorKind = kind };
        var enrolled = new[]
        {
            (P("Weekend"), new Enrollment { Rank = 1 }),
            (P("OEM flag", emergency: true, kind: OperatorKind.Oem), new Enrollment { Rank = 3 }),
            (P("Grid emergency", emergency: true), new Enrollment { Rank = 2 }),
        };

        var order = EventPriority.Rank(enrolled).Select(e => e.Program.Name);

        Assert.Equal(["Grid emergency", "Weekend", "OEM flag"], order);
    }
}
