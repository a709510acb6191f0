using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Api;

/// <summary>A program as the API shows it.</summary>
public sealed record ProgramDto(Guid Id, string Name, string? Description, string Executor, bool IsEmergency, decimal PayPerKwh, IReadOnlyList<string> EligibleUtilities, double? MaxKwPerVehicle, int NoticeMinutes, string Status, string Currency, string TimeZoneId)
{
    /// <summary>The program as the API shows it; a value stored before the limits held is shown as absent, never breaking a list.</summary>
    public static ProgramDto From(DischargeProgram p) => new(p.Id, p.Name, p.Description, p.Executor.ToString(), p.IsEmergency, p.CompensationPerKwh, p.EligibleUtilities,
        p.MaxKwPerVehicle is { } kw && double.IsFinite(kw) ? kw : null, p.NoticeMinutes, p.Status.ToString(), p.Currency, p.TimeZoneId);
}

/// <summary>A new program.</summary>
public sealed record ProgramCreate(string Name, string? Description, string Executor = "Evse", bool IsEmergency = false, decimal PayPerKwh = 0, IReadOnlyList<string>? EligibleUtilities = null, double? MaxKwPerVehicle = null, int NoticeMinutes = 0, string Currency = "USD", string TimeZoneId = "UTC");

/// <summary>
/// A new event: starts now unless <c>Start</c> is given; kW per vehicle or a total target; with an event of the
/// program in force, <c>WhenInForce</c> says "replace" (end it now) or "add" (run both).
/// </summary>
public sealed record EventCreate(Guid ProgramId, DateTimeOffset? Start, int DurationMinutes, double? KwPerVehicle, double? TotalTargetKw, string? WhenInForce = null);

/// <summary>An event with its aggregate outcome.</summary>
public sealed record EventDto(Guid Id, Guid ProgramId, DateTimeOffset Start, DateTimeOffset End, double? KwPerVehicle, double? TotalTargetKw, bool Cancelled, EventResultsDto Results)
{
    public static EventDto From(Programs.EventReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var e = report.Event;
        return new EventDto(e.Id, e.ProgramId, e.Start, e.End, e.RequestedKwPerVehicle, e.TotalTargetKw, e.CancelledAt is not null,
            new EventResultsDto(report.Participants.Count, report.ByState, report.RefusalsByReason, report.AchievedKw, report.DischargedKwh));
    }
}

/// <summary>Counts by participant state and by refusal reason id, the power achieved now (kW, discharging positive) and the energy discharged (kWh).</summary>
public sealed record EventResultsDto(int Participants, IReadOnlyDictionary<string, int> ByState, IReadOnlyDictionary<string, int> RefusalsByReason, double AchievedKw, double DischargedKwh);

/// <summary>One participant's outcome (its latest segment); the participant is a pseudonym valid for this event only.</summary>
public sealed record OutcomeDto(string Participant, string Outcome, double? Kw, double? MeasuredKw, IReadOnlyList<string> ReasonCodes)
{
    /// <summary>Energy discharged over all its segments, kWh.</summary>
    public double DischargedKwh { get; init; }

    /// <summary>How many times the car took part (a new segment after a stop for a reason that cleared).</summary>
    public int Segments { get; init; }
}
