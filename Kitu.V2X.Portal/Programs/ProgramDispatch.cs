using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Programs;

/// <summary>A new program as the operator fills it in.</summary>
public sealed class ProgramFormModel
{
    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public ProgramExecutor Executor { get; set; } = ProgramExecutor.Evse;

    public bool IsEmergency { get; set; }

    public decimal PayPerKwh { get; set; } = 0.25m;

    /// <summary>ISO 4217 code the pay is in.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>The zone events are scheduled and shown in.</summary>
    public string TimeZoneId { get; set; } = "America/Los_Angeles";

    /// <summary>Comma-separated utility names whose customers may enroll; empty = any.</summary>
    public string EligibleUtilities { get; set; } = "";

    public double? MaxKwPerVehicle { get; set; } = 11;

    public int NoticeMinutes { get; set; }
}

/// <summary>An event as the operator asks for it on the dispatch page.</summary>
public sealed class DispatchFormModel
{
    /// <summary>kW per car, or the total kW over all cars when <see cref="TotalTarget"/>.</summary>
    public double Kw { get; set; } = 5;

    public bool TotalTarget { get; set; }

    /// <summary>0 = now.</summary>
    public int StartInMinutes { get; set; }

    public int Minutes { get; set; } = 30;
}

/// <summary>A program of the operator, with its latest event.</summary>
public sealed record OperatorProgram(Guid Id, string Name, ProgramStatus Status, double? MaxKwPerVehicle, ProgramEvent? LatestEvent)
{
    public ProgramExecutor Executor { get; init; }

    /// <summary>The zone the program's events are shown in.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    public decimal PayPerKwh { get; init; }

    public string Currency { get; init; } = "USD";
}

/// <summary>
/// The operator's programs, dispatch (now or later, per car or a total target), cancel, the event monitor and past
/// events, scoped to the operator the account acts for. Dispatch, cancel and results are the use cases the REST API
/// (Api/OperatorApi) calls too: <see cref="DispatchEvent"/>, <see cref="CancelEvent"/>, <see cref="EventReports"/>.
/// </summary>
public sealed class ProgramDispatch(PortalDbContext db, DispatchEvent dispatch, CancelEvent cancel, EventReports reports, TimeProvider time)
{
    public const string NotYours = DispatchEvent.NotYours;

    public async Task<IReadOnlyList<OperatorProgram>> ProgramsAsync(string userId, CancellationToken cancellationToken)
    {
        var operatorId = await OperatorOfAsync(userId, cancellationToken);
        var programs = await db.DischargePrograms.AsNoTracking().Where(p => p.OperatorId == operatorId).OrderBy(p => p.Name).ToListAsync(cancellationToken);
        var ids = programs.Select(p => p.Id).ToList();
        var latest = (await db.ProgramEvents.AsNoTracking().Where(e => ids.Contains(e.ProgramId)).ToListAsync(cancellationToken))
            .GroupBy(e => e.ProgramId).ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.CreatedAt).First());
        return programs.Select(p => new OperatorProgram(p.Id, p.Name, p.Status, p.MaxKwPerVehicle, latest.GetValueOrDefault(p.Id))
        {
            Executor = p.Executor,
            Zone = Presentation.Clock.Zone(p.TimeZoneId),
            PayPerKwh = p.CompensationPerKwh,
            Currency = p.Currency,
        }).ToList();
    }

    /// <summary>
    /// Dispatches an event — now or later, at a power per car or a total target shared out over the cars — through the
    /// one use case the API calls too; with an event in force, the result asks the operator to choose.
    /// </summary>
    public async Task<DispatchResult> DispatchAsync(string userId, Guid programId, DispatchFormModel form, CancellationToken cancellationToken, WhenInForce whenInForce = WhenInForce.Ask)
    {
        ArgumentNullException.ThrowIfNull(form);
        var operatorId = await OperatorOfAsync(userId, cancellationToken) ?? Guid.Empty;
        var request = new DispatchRequest(
            programId,
            form.TotalTarget ? null : form.Kw,
            form.TotalTarget ? form.Kw : null,
            form.StartInMinutes == 0 ? null : time.GetUtcNow().AddMinutes(form.StartInMinutes),
            form.Minutes,
            whenInForce);
        return await dispatch.RunAsync(operatorId, request, cancellationToken);
    }

    /// <summary>Creates a draft program for the user's operator; the errors in plain words (empty when created).</summary>
    public async Task<IReadOnlyList<string>> CreateProgramAsync(string userId, ProgramFormModel form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var operatorId = await OperatorOfAsync(userId, cancellationToken);
        var op = await db.ProgramOperators.AsNoTracking().SingleOrDefaultAsync(o => o.Id == operatorId, cancellationToken);
        if (op is null)
        {
            return ["This account acts for no operator; ask a grid administrator."];
        }

        var program = new DischargeProgram
        {
            OperatorId = op.Id,
            OperatorKind = op.Kind,
            Name = form.Name.Trim(),
            Description = string.IsNullOrWhiteSpace(form.Description) ? null : form.Description.Trim(),
            Executor = form.Executor,
            IsEmergency = form.IsEmergency,
            CompensationPerKwh = form.PayPerKwh,
            Currency = form.Currency.Trim().ToUpperInvariant(),
            TimeZoneId = form.TimeZoneId.Trim(),
            EligibleUtilities = [.. form.EligibleUtilities.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            MaxKwPerVehicle = form.MaxKwPerVehicle,
            NoticeMinutes = form.NoticeMinutes,
        };
        var errors = program.Validate().ToList();
        if (program.Name.Length > 100)
        {
            errors.Add("A name is at most 100 characters.");
        }

        if (errors.Count == 0)
        {
            db.DischargePrograms.Add(program);
            await db.SaveChangesAsync(cancellationToken);
        }

        return errors;
    }

    /// <summary>Publishes or retires one of the operator's programs.</summary>
    public async Task<bool> SetStatusAsync(string userId, Guid programId, ProgramStatus status, CancellationToken cancellationToken)
    {
        var operatorId = await OperatorOfAsync(userId, cancellationToken);
        return await db.DischargePrograms.Where(p => p.Id == programId && p.OperatorId == operatorId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status), cancellationToken) == 1;
    }

    /// <summary>Cancels an event of the operator's; running discharges stop at once.</summary>
    public async Task<bool> CancelAsync(string userId, Guid eventId, CancellationToken cancellationToken) =>
        await OperatorOfAsync(userId, cancellationToken) is { } operatorId && await cancel.RunAsync(operatorId, eventId, cancellationToken);

    /// <summary>An event of the operator's with its results; null when it is not theirs.</summary>
    public async Task<EventReport?> ReportAsync(string userId, Guid eventId, CancellationToken cancellationToken) =>
        await OperatorOfAsync(userId, cancellationToken) is { } operatorId ? await reports.ForOperatorAsync(operatorId, eventId, cancellationToken) : null;

    /// <summary>The operator's past events of a program, latest first, with their outcomes.</summary>
    public async Task<IReadOnlyList<EventReport>> PastAsync(string userId, Guid programId, CancellationToken cancellationToken) =>
        await OperatorOfAsync(userId, cancellationToken) is { } operatorId ? await reports.PastAsync(operatorId, programId, 10, cancellationToken) : [];

    /// <summary>A car as the operator may see it: a fleet's vehicle by its fleet name, any other under a pseudonym.</summary>
    public static string Label(ParticipantOutcome participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        return participant.FleetName ?? Pseudonym(participant.VehicleId);
    }

    public static string Pseudonym(Guid vehicleId) => $"Car {vehicleId.ToString("N")[..6].ToUpperInvariant()}";

    private async Task<Guid?> OperatorOfAsync(string userId, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.OperatorId).SingleOrDefaultAsync(cancellationToken);
}
