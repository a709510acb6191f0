using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Domain.Mediation;

/// <summary>When measured power counts as following the command: within max(kW, percent) of it, off for at most the grace time.</summary>
public sealed record FollowRules(double ToleranceKw, double TolerancePercent, TimeSpan Grace, TimeSpan Settle)
{
    public static FollowRules Default { get; } = new(0.5, 10, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(2));
}

/// <summary>What the planner decided to send: one car, one charger, one event, at a clamped power until a planned end.</summary>
public sealed record CommandPlan(
    Guid EventId,
    Guid ProgramId,
    string ProgramName,
    Guid VehicleId,
    Guid EvseId,
    ProgramExecutor Executor,
    Guid? TelematicsOperatorId,
    double Kw,
    DateTimeOffset Until,
    int Segment = 1,
    bool GridLimited = false);
