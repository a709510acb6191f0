using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Workers;
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
}

/// <summary>A command of an event, for the operator's monitor (no personal data: vehicle and charger by name only).</summary>
public sealed record EventCommandRow(Guid CommandId, string Vehicle, string Charger, CommandState State, double Kw, double? MeasuredKw, string? Reason)
{
    public Guid VehicleId { get; init; }
}

/// <summary>A refusal of an event, with its reasons.</summary>
public sealed record EventRefusalRow(string Vehicle, IReadOnlyList<Reason> Reasons);

/// <summary>
/// The operator's programs, dispatch (now or later, per car or a total target), cancel and event monitor, scoped to
/// the operator the account acts for. The REST API (Api/OperatorApi) offers the same to the operator's systems.
/// </summary>
public sealed class ProgramDispatch(PortalDbContext db, DischargeMediator mediator, TimeProvider time)
{
    public const string NotYours = "Program not found among your operator's programs.";

    public async Task<IReadOnlyList<OperatorProgram>> ProgramsAsync(string userId, CancellationToken cancellationToken)
    {
        var operatorId = await OperatorOfAsync(userId, cancellationToken);
        var programs = await db.DischargePrograms.AsNoTracking().Where(p => p.OperatorId == operatorId).OrderBy(p => p.Name).ToListAsync(cancellationToken);
        var ids = programs.Select(p => p.Id).ToList();
        var latest = (await db.ProgramEvents.AsNoTracking().Where(e => ids.Contains(e.ProgramId)).ToListAsync(cancellationToken))
            .GroupBy(e => e.ProgramId).ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.CreatedAt).First());
        return programs.Select(p => new OperatorProgram(p.Id, p.Name, p.Status, p.MaxKwPerVehicle, latest.GetValueOrDefault(p.Id)) { Executor = p.Executor }).ToList();
    }

    /// <summary>
    /// Dispatches an event — now or later, at a power per car or a total target shared out over the cars; returns the
    /// error in plain words, or null.
    /// </summary>
    public async Task<string?> DispatchAsync(string userId, Guid programId, DispatchFormModel form, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(form);
        var operatorId = await OperatorOfAsync(userId, cancellationToken);
        var program = await db.DischargePrograms.AsNoTracking().SingleOrDefaultAsync(p => p.Id == programId && p.OperatorId == operatorId, cancellationToken);
        if (program is null)
        {
            return NotYours;
        }

        if (program.Status != ProgramStatus.Published)
        {
            return "Only a published program can dispatch events.";
        }

        if (form.TotalTarget ? form.Kw is <= 0 or > 100_000 : form.Kw is <= 0 or > 350)
        {
            return form.TotalTarget ? "Ask for a total above 0 and at most 100,000 kW." : "Ask for more than 0 and at most 350 kW per car.";
        }

        if (form.Minutes is < 1 or > 24 * 60 || form.StartInMinutes is < 0 or > 7 * 24 * 60)
        {
            return "An event lasts 1 minute to 24 hours and starts within a week.";
        }

        if (form.StartInMinutes < program.NoticeMinutes)
        {
            return $"{program.Name} promises its drivers {program.NoticeMinutes} minutes' notice: start the event at least that far ahead.";
        }

        var now = time.GetUtcNow();
        var start = now.AddMinutes(form.StartInMinutes);
        var programEvent = new ProgramEvent
        {
            ProgramId = programId,
            Start = start,
            End = start.AddMinutes(form.Minutes),
            RequestedKwPerVehicle = form.TotalTarget ? null : form.Kw,
            TotalTargetKw = form.TotalTarget ? form.Kw : null,
            CreatedAt = now,
        };
        if (programEvent.Validate() is { Count: > 0 } errors)
        {
            return string.Join(" ", errors);
        }

        // A new dispatch that starts now replaces the program's event in force: its running discharges end and the
        // new one decides afresh. A later one leaves it be.
        if (form.StartInMinutes == 0)
        {
            await db.ProgramEvents.Where(e => e.ProgramId == programId && e.CancelledAt == null && e.Start <= now && e.End > now)
                .ExecuteUpdateAsync(set => set.SetProperty(e => e.End, now), cancellationToken);
        }

        db.ProgramEvents.Add(programEvent);
        await db.SaveChangesAsync(cancellationToken);
        await mediator.PassNowAsync(cancellationToken);
        return null;
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
    public async Task<bool> CancelAsync(string userId, Guid eventId, CancellationToken cancellationToken)
    {
        var operatorId = await OperatorOfAsync(userId, cancellationToken);
        var ids = await (from e in db.ProgramEvents join p in db.DischargePrograms on e.ProgramId equals p.Id
                         where e.Id == eventId && p.OperatorId == operatorId && e.CancelledAt == null select e.Id).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return false;
        }

        await db.ProgramEvents.Where(e => e.Id == eventId).ExecuteUpdateAsync(s => s.SetProperty(e => e.CancelledAt, time.GetUtcNow()), cancellationToken);
        await mediator.CancelledAsync(eventId, cancellationToken);
        return true;
    }

    /// <summary>The commands and refusals of an event of the operator's; empty when it is not theirs.</summary>
    public async Task<(IReadOnlyList<EventCommandRow> Commands, IReadOnlyList<EventRefusalRow> Refusals)> MonitorAsync(string userId, Guid eventId, CancellationToken cancellationToken)
    {
        var operatorId = await OperatorOfAsync(userId, cancellationToken);
        var owned = await (from e in db.ProgramEvents join p in db.DischargePrograms on e.ProgramId equals p.Id where e.Id == eventId && p.OperatorId == operatorId select e.Id).AnyAsync(cancellationToken);
        if (!owned)
        {
            return ([], []);
        }

        var commands = await (from c in db.DischargeCommands.AsNoTracking()
                              join v in db.Vehicles.AsNoTracking() on c.VehicleId equals v.Id
                              join e in db.Evses.AsNoTracking() on c.EvseId equals e.Id
                              where c.EventId == eventId
                              orderby v.Name
                              select new EventCommandRow(c.Id, v.FleetSiteId == null ? "" : v.Name, e.Name, c.State, c.Kw, c.MeasuredKw, c.ReasonText) { VehicleId = v.Id }).ToListAsync(cancellationToken);
        var refusals = await (from d in db.EventDecisions.AsNoTracking()
                              join v in db.Vehicles.AsNoTracking() on d.VehicleId equals v.Id
                              where d.EventId == eventId && !d.Accepted
                              orderby v.Name
                              select new { v.Id, v.Name, v.FleetSiteId, d.Reasons }).ToListAsync(cancellationToken);
        // A private driver's car is shown to the operator under a pseudonym; a fleet's vehicles by their fleet names.
        return (
            commands.Select(c => c.Vehicle.Length > 0 ? c : c with { Vehicle = Pseudonym(c.VehicleId) }).ToList(),
            refusals.Select(r => new EventRefusalRow(r.FleetSiteId == null ? Pseudonym(r.Id) : r.Name, r.Reasons)).ToList());
    }

    public static string Pseudonym(Guid vehicleId) => $"Car {vehicleId.ToString("N")[..6].ToUpperInvariant()}";

    private async Task<Guid?> OperatorOfAsync(string userId, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.OperatorId).SingleOrDefaultAsync(cancellationToken);
}
