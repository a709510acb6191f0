using Kitu.V2X.Portal.Domain.ConsumerSupport;

namespace Kitu.V2X.Portal.Api;

/// <summary>A program as the API shows it.</summary>
public sealed record ProgramDto(Guid Id, string Name, string? Description, string Executor, bool IsEmergency, decimal PayPerKwh, IReadOnlyList<string> EligibleUtilities, double? MaxKwPerVehicle, int NoticeMinutes, string Status)
{
    public static ProgramDto From(DischargeProgram p) => new(p.Id, p.Name, p.Description, p.Executor.ToString(), p.IsEmergency, p.CompensationPerKwh, p.EligibleUtilities, p.MaxKwPerVehicle, p.NoticeMinutes, p.Status.ToString());
}

/// <summary>A new program.</summary>
public sealed record ProgramCreate(string Name, string? Description, string Executor = "Evse", bool IsEmergency = false, decimal PayPerKwh = 0, IReadOnlyList<string>? EligibleUtilities = null, double? MaxKwPerVehicle = null, int NoticeMinutes = 0);

/// <summary>A new event: starts now unless <c>Start</c> is given; kW per vehicle or a total target.</summary>
public sealed record EventCreate(Guid ProgramId, DateTimeOffset? Start, int DurationMinutes, double? KwPerVehicle, double? TotalTargetKw);

/// <summary>An event with its aggregate outcome.</summary>
public sealed record EventDto(Guid Id, Guid ProgramId, DateTimeOffset Start, DateTimeOffset End, double? KwPerVehicle, double? TotalTargetKw, bool Cancelled, EventResults Results);

/// <summary>Counts by command state and by refusal reason id, and the power achieved now (kW, discharging positive).</summary>
public sealed record EventResults(int Participants, IReadOnlyDictionary<string, int> ByState, IReadOnlyDictionary<string, int> RefusalsByReason, double AchievedKw);

/// <summary>One participant's outcome; the participant is a pseudonym valid for this event only.</summary>
public sealed record OutcomeDto(string Participant, string Outcome, double? Kw, double? MeasuredKw, IReadOnlyList<string> ReasonCodes);
