using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.Mediation;

namespace Kitu.V2X.Portal.Tests.Domain.Mediation;

/// <summary>
/// A discharge case where everything agrees, at an exact instant (Monday 15 June 2026, 17:00 UTC). Tests change
/// one fact at a time with <c>with</c> and the helpers below.
/// </summary>
internal static class Scenario
{
    public static readonly DateTimeOffset Now = new(2026, 6, 15, 17, 0, 0, TimeSpan.Zero);
    public static readonly Guid EvseId = Guid.Parse("00000000-0000-0000-0000-0000000000e1");
    public static readonly Guid VehicleId = Guid.Parse("00000000-0000-0000-0000-0000000000a1");

    public static EventOffer TheEvent => new()
    {
        EventId = Guid.Parse("00000000-0000-0000-0000-00000000ee01"),
        ProgramId = Guid.Parse("00000000-0000-0000-0000-00000000bb01"),
        ProgramName = "Evening Peak",
        OperatorKind = OperatorKind.Utility,
        Executor = ProgramExecutor.Evse,
        Start = Now.AddMinutes(-5),
        End = Now.AddMinutes(30),
        CreatedAt = Now.AddMinutes(-10),
        RequestedKw = 5,
        EnrollmentRank = 1,
    };

    public static EvseFacts TheEvse => new()
    {
        EvseId = EvseId,
        Name = "Garage charger",
        Current = CurrentType.Dc,
        RatedChargeKw = 11,
        RatedDischargeKw = 10,
        OwnerAllowsDischarge = true,
    };

    public static VehicleFacts TheVehicle => new()
    {
        VehicleId = VehicleId,
        BatteryKwh = 60,
        MaxDischargeKw = 7,
        SupportsAcDischarge = true,
        SupportsDcDischarge = true,
        J3072Capable = true,
        SocPercent = 72,
    };

    public static DischargePreferences Preferences() => new() { VehicleId = VehicleId, Consent = true, SocFloorPercent = 40 };

    public static GridRules TheGrid => new() { EvseId = EvseId, Integration = GridIntegration.Integrated, ValidUntil = Now.AddMinutes(20) };

    public static DecisionInput Accepting() => new()
    {
        Now = Now,
        Event = TheEvent,
        Evse = TheEvse,
        Vehicle = TheVehicle,
        Preferences = Preferences(),
        Grid = TheGrid,
    };

    public static DecisionInput WithPreferences(this DecisionInput input, Action<DischargePreferences> change)
    {
        var prefs = Preferences();
        change(prefs);
        return input with { Preferences = prefs };
    }

    public static DecisionInput WithSoc(this DecisionInput input, double soc) => input with { Vehicle = input.Vehicle with { SocPercent = soc } };

    public static DecisionInput WithPolicy(this DecisionInput input, SitePolicy policy) => input with { Evse = input.Evse with { SitePolicy = policy } };
}
