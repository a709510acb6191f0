using System.Globalization;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Programs;

/// <summary>What to do with the program's event already in force when a new one starts now.</summary>
public enum WhenInForce
{
    /// <summary>Ask the operator (the page shows the choice; the API answers 409).</summary>
    Ask,

    /// <summary>End the event in force now (its discharges complete), and start the new one.</summary>
    Replace,

    /// <summary>Keep it, and add the new one beside it.</summary>
    Add,
}

/// <summary>An operator's dispatch, as the page and the API both ask for it.</summary>
public sealed record DispatchRequest(
    Guid ProgramId,
    double? KwPerVehicle,
    double? TotalTargetKw,
    DateTimeOffset? Start,
    int DurationMinutes,
    WhenInForce WhenInForce = WhenInForce.Ask,
    string? IdempotencyKey = null);

/// <summary>
/// The outcome of a dispatch: the event (new, or the one an idempotency key already made), the errors by field in
/// plain words, or the event in force the operator must choose about.
/// </summary>
public sealed record DispatchResult(ProgramEvent? Event, bool Existing, IReadOnlyDictionary<string, string[]> Errors, ProgramEvent? InForce)
{
    public bool Succeeded => Event is not null;

    public bool NotFound => Errors.ContainsKey(DispatchEvent.ProgramField) && Errors[DispatchEvent.ProgramField][0] == DispatchEvent.NotYours;

    /// <summary>Dispatching is paused on this instance (out of touch with the others): try again shortly.</summary>
    public bool Paused => Errors.ContainsKey(DispatchEvent.PausedField);

    /// <summary>Every message, in field order, for a page that shows them together.</summary>
    public string Message => string.Join(" ", Errors.Values.SelectMany(v => v));
}

/// <summary>
/// Dispatching an event — now or later, at a power per car or a total target shared out over the cars — written once,
/// for the Dispatch page and <c>POST /api/v1/events</c> alike: the same checks, the same messages, the same choice
/// when an event of the program is in force (replace it, or add another), the same idempotency.
/// </summary>
public sealed class DispatchEvent(PortalDbContext db, DischargeMediator mediator, ScaleOut.ScaleOutStatus scaleOut, TimeProvider time)
{
    public const string NotYours = "Program not found among your operator's programs.";
    public const string ProgramField = "programId";

    /// <summary>The error key of a dispatch refused because this instance is out of touch with the others.</summary>
    public const string PausedField = "dispatch";

    public const double MaxKwPerVehicle = 350;
    public const double MaxTotalKw = 100_000;
    public const int MaxDurationMinutes = 24 * 60;

    /// <summary>A start this much earlier than now still counts as now (clocks differ a little).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxLeadTime = TimeSpan.FromDays(7);

    public async Task<DispatchResult> RunAsync(Guid operatorId, DispatchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var program = await db.DischargePrograms.AsNoTracking().SingleOrDefaultAsync(p => p.Id == request.ProgramId && p.OperatorId == operatorId, cancellationToken);
        if (program is null)
        {
            return Failed(ProgramField, NotYours);
        }

        if (scaleOut.Degraded)
        {
            return Failed(PausedField, ScaleOut.ScaleOutStatus.PausedMessage);
        }

        var key = string.IsNullOrWhiteSpace(request.IdempotencyKey) ? null : request.IdempotencyKey.Trim();
        if (key is { Length: > 100 })
        {
            return Failed("Idempotency-Key", "An idempotency key is at most 100 characters.");
        }

        if (key is not null && await db.ProgramEvents.AsNoTracking().SingleOrDefaultAsync(e => e.ProgramId == program.Id && e.IdempotencyKey == key, cancellationToken) is { } existing)
        {
            return new DispatchResult(existing, true, new Dictionary<string, string[]>(), null);
        }

        var now = time.GetUtcNow();
        var start = request.Start is { } s && s > now ? s : now;
        var errors = Validate(program, request, start, now);
        if (errors.Count > 0)
        {
            return new DispatchResult(null, false, errors, null);
        }

        var startsNow = start <= now + Slack;
        var inForce = startsNow
            ? await db.ProgramEvents.Where(e => e.ProgramId == program.Id && e.CancelledAt == null && e.Start <= now && e.End > now).OrderBy(e => e.Start).FirstOrDefaultAsync(cancellationToken)
            : null;
        if (inForce is not null && request.WhenInForce == WhenInForce.Ask)
        {
            return new DispatchResult(null, false, new Dictionary<string, string[]>(), inForce);
        }

        if (inForce is not null && request.WhenInForce == WhenInForce.Replace)
        {
            // Its running discharges complete at its new end; the new event decides afresh.
            await db.ProgramEvents.Where(e => e.ProgramId == program.Id && e.CancelledAt == null && e.Start <= now && e.End > now)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.End, now), cancellationToken);
        }

        var programEvent = new ProgramEvent
        {
            ProgramId = program.Id,
            Start = start,
            End = start.AddMinutes(request.DurationMinutes),
            RequestedKwPerVehicle = request.KwPerVehicle,
            TotalTargetKw = request.TotalTargetKw,
            CreatedAt = now,
            IdempotencyKey = key,
        };
        db.ProgramEvents.Add(programEvent);
        await db.SaveChangesAsync(cancellationToken);
        mediator.Nudge();
        return new DispatchResult(programEvent, false, new Dictionary<string, string[]>(), null);
    }

    /// <summary>A sentence that names the event in force, for the choice.</summary>
    public static string Describe(ProgramEvent inForce, string programName, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(inForce);
        var asked = inForce.TotalTargetKw is { } total ? $"{Number(total)} kW in total" : $"{Number(inForce.RequestedKwPerVehicle ?? 0)} kW per car";
        return $"{programName} has an event in force until {Presentation.Clock.Time(inForce.End, zone)} ({asked}).";
    }

    private static Dictionary<string, string[]> Validate(DischargeProgram program, DispatchRequest request, DateTimeOffset start, DateTimeOffset now)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (program.Status != ProgramStatus.Published)
        {
            Add(ProgramField, "Only a published program can dispatch events.");
        }

        if (request.KwPerVehicle is null == request.TotalTargetKw is null)
        {
            Add("kwPerVehicle", "Give either a power per car or a total target, not both.");
        }
        else if (request.KwPerVehicle is { } perCar && perCar is not (> 0 and <= MaxKwPerVehicle))
        {
            Add("kwPerVehicle", $"Ask for more than 0 and at most {Number(MaxKwPerVehicle)} kW per car.");
        }
        else if (request.TotalTargetKw is { } total && total is not (> 0 and <= MaxTotalKw))
        {
            Add("totalTargetKw", $"Ask for a total above 0 and at most {Number(MaxTotalKw)} kW.");
        }

        if (request.DurationMinutes is < 1 or > MaxDurationMinutes)
        {
            Add("durationMinutes", $"An event lasts 1 to {Number(MaxDurationMinutes)} minutes.");
        }

        if (request.Start is { } asked && (asked < now - TimeSpan.FromHours(1) || asked > now + MaxLeadTime))
        {
            Add("start", "An event starts now or within a week.");
        }
        else if (start < now.AddMinutes(program.NoticeMinutes) - Slack)
        {
            Add("start", $"{program.Name} promises its drivers {program.NoticeMinutes} minutes' notice: start the event at least that far ahead.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static DispatchResult Failed(string field, string message) =>
        new(null, false, new Dictionary<string, string[]> { [field] = [message] }, null);

    private static string Number(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
