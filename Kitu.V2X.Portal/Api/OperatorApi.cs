using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Workers;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Api;

/// <summary>
/// The program operators' REST API under <c>/api/v1</c> (docs/api.md): programs, events (with an idempotency key),
/// per-participant outcomes and aggregate results. Every call is scoped to the key's operator: another operator's
/// program or event is 404. Participants are pseudonyms per event; no driver data leaves.
/// </summary>
public static class OperatorApi
{
    public const string Prefix = "/api/v1";
    public const string RateLimitPolicy = "operator-api";

    public static IEndpointRouteBuilder MapOperatorApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireClaim(ApiKeyAuthentication.OperatorClaim))
            .RequireRateLimiting(RateLimitPolicy)
            .WithTags("Operators");

        api.MapGet("/programs", async (ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) =>
            (await db.DischargePrograms.AsNoTracking().Where(p => p.OperatorId == Operator(user)).OrderBy(p => p.Name).ToListAsync(ct)).Select(ProgramDto.From).ToList())
            .WithSummary("The operator's programs");

        api.MapPost("/programs", async (ProgramCreate body, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) =>
        {
            var op = await db.ProgramOperators.AsNoTracking().SingleAsync(o => o.Id == Operator(user), ct);
            var errors = new Dictionary<string, string[]>();
            if (!Enum.TryParse<ProgramExecutor>(body.Executor, ignoreCase: true, out var executor) || !Enum.IsDefined(executor))
            {
                errors["executor"] = ["Executor is Evse or Ev."];
            }

            var program = new DischargeProgram
            {
                OperatorId = op.Id,
                OperatorKind = op.Kind,
                Name = body.Name?.Trim() ?? "",
                Description = body.Description?.Trim(),
                Executor = executor,
                IsEmergency = body.IsEmergency,
                CompensationPerKwh = body.PayPerKwh,
                EligibleUtilities = [.. body.EligibleUtilities ?? []],
                MaxKwPerVehicle = body.MaxKwPerVehicle,
                NoticeMinutes = body.NoticeMinutes,
            };
            foreach (var problem in program.Validate())
            {
                errors[Field(problem)] = [.. errors.GetValueOrDefault(Field(problem)) ?? [], problem];
            }

            if (program.Name.Length > 100)
            {
                errors["name"] = ["A name is at most 100 characters."];
            }

            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors);
            }

            db.DischargePrograms.Add(program);
            await db.SaveChangesAsync(ct);
            return Results.Created($"{Prefix}/programs/{program.Id}", ProgramDto.From(program));
        }).WithSummary("Create a program (draft)");

        api.MapGet("/programs/{id:guid}", async (Guid id, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) =>
            await db.DischargePrograms.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id && p.OperatorId == Operator(user), ct) is { } p
                ? Results.Ok(ProgramDto.From(p))
                : NotFound("program"));

        api.MapPost("/programs/{id:guid}/publish", (Guid id, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) => SetStatus(id, ProgramStatus.Published, user, db, ct))
            .WithSummary("Publish to the drivers' catalogue");
        api.MapPost("/programs/{id:guid}/retire", (Guid id, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) => SetStatus(id, ProgramStatus.Retired, user, db, ct))
            .WithSummary("Retire: no new events or enrollments");

        api.MapPost("/events", async (EventCreate body, HttpRequest request, ClaimsPrincipal user, PortalDbContext db, DischargeMediator mediator, TimeProvider time, CancellationToken ct) =>
        {
            var key = request.Headers["Idempotency-Key"].ToString();
            if (key.Length > 100)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["Idempotency-Key"] = ["At most 100 characters."] });
            }

            var program = await db.DischargePrograms.AsNoTracking().SingleOrDefaultAsync(p => p.Id == body.ProgramId && p.OperatorId == Operator(user), ct);
            if (program is null)
            {
                return NotFound("program");
            }

            if (key.Length > 0 && await db.ProgramEvents.AsNoTracking().SingleOrDefaultAsync(e => e.ProgramId == program.Id && e.IdempotencyKey == key, ct) is { } existing)
            {
                return Results.Ok(await EventAsync(db, existing, ct));
            }

            var now = time.GetUtcNow();
            var start = body.Start ?? now;
            var programEvent = new ProgramEvent
            {
                ProgramId = program.Id,
                Start = start,
                End = start.AddMinutes(body.DurationMinutes),
                RequestedKwPerVehicle = body.KwPerVehicle,
                TotalTargetKw = body.TotalTargetKw,
                CreatedAt = now,
                IdempotencyKey = key.Length > 0 ? key : null,
            };
            var errors = new Dictionary<string, string[]>();
            if (body.DurationMinutes is < 1 or > 24 * 60)
            {
                errors["durationMinutes"] = ["An event lasts 1 to 1,440 minutes."];
            }

            if (body.KwPerVehicle is <= 0 or > 350)
            {
                errors["kwPerVehicle"] = ["kW per vehicle is above 0 and at most 350."];
            }

            if (program.Status != ProgramStatus.Published)
            {
                errors["programId"] = ["Only a published program can dispatch events."];
            }

            if (start < now.AddMinutes(program.NoticeMinutes).AddSeconds(-30))
            {
                errors["start"] = [$"This program promises {program.NoticeMinutes} minutes' notice: start at least that far ahead."];
            }

            foreach (var problem in programEvent.Validate())
            {
                errors["event"] = [.. errors.GetValueOrDefault("event") ?? [], problem];
            }

            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors);
            }

            db.ProgramEvents.Add(programEvent);
            await db.SaveChangesAsync(ct);
            mediator.Nudge();
            return Results.Created($"{Prefix}/events/{programEvent.Id}", await EventAsync(db, programEvent, ct));
        }).WithSummary("Dispatch an event (send an Idempotency-Key header to make retries safe)");

        api.MapGet("/events/{id:guid}", async (Guid id, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) =>
            await OwnedEventAsync(db, id, user, ct) is { } e ? Results.Ok(await EventAsync(db, e, ct)) : NotFound("event"))
            .WithSummary("An event with its aggregate results");

        api.MapPost("/events/{id:guid}/cancel", async (Guid id, ClaimsPrincipal user, PortalDbContext db, DischargeMediator mediator, TimeProvider time, CancellationToken ct) =>
        {
            if (await OwnedEventAsync(db, id, user, ct) is null)
            {
                return NotFound("event");
            }

            await db.ProgramEvents.Where(e => e.Id == id && e.CancelledAt == null).ExecuteUpdateAsync(s => s.SetProperty(e => e.CancelledAt, time.GetUtcNow()), ct);
            await mediator.CancelledAsync(id, ct);
            return Results.NoContent();
        }).WithSummary("Cancel an event: running discharges stop");

        api.MapGet("/events/{id:guid}/outcomes", async (Guid id, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) =>
        {
            if (await OwnedEventAsync(db, id, user, ct) is null)
            {
                return NotFound("event");
            }

            var commands = await db.DischargeCommands.AsNoTracking().Where(c => c.EventId == id).ToListAsync(ct);
            var refusals = await db.EventDecisions.AsNoTracking().Where(d => d.EventId == id && !d.Accepted).ToListAsync(ct);
            var outcomes = commands.Select(c => new OutcomeDto(Pseudonym(id, c.VehicleId), c.State.ToString(), c.Kw, c.MeasuredKw is { } m ? -m : null, c.ReasonCode is null ? [] : [c.ReasonCode]))
                .Concat(refusals.Where(r => commands.All(c => c.VehicleId != r.VehicleId)).Select(r => new OutcomeDto(Pseudonym(id, r.VehicleId), "Refused", null, null, [.. r.Reasons.Select(x => x.Id)])))
                .OrderBy(o => o.Participant, StringComparer.Ordinal)
                .ToList();
            return Results.Ok(outcomes);
        }).WithSummary("Per-participant outcomes with reason codes (participants are pseudonyms per event)");

        return app;
    }

    private static Guid Operator(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ApiKeyAuthentication.OperatorClaim)!);

    private static IResult NotFound(string what) =>
        Results.Problem(statusCode: 404, title: $"No such {what}", detail: $"The {what} does not exist or belongs to another operator.");

    private static string Field(string problem) => problem.Contains("mergency", StringComparison.Ordinal) ? "isEmergency" : problem.Contains("name", StringComparison.OrdinalIgnoreCase) ? "name" : "program";

    private static async Task<IResult> SetStatus(Guid id, ProgramStatus status, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct)
    {
        var changed = await db.DischargePrograms.Where(p => p.Id == id && p.OperatorId == Operator(user)).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status), ct);
        return changed == 0 ? NotFound("program") : Results.Ok(ProgramDto.From(await db.DischargePrograms.AsNoTracking().SingleAsync(p => p.Id == id, ct)));
    }

    private static Task<ProgramEvent?> OwnedEventAsync(PortalDbContext db, Guid id, ClaimsPrincipal user, CancellationToken ct) =>
        (from e in db.ProgramEvents.AsNoTracking() join p in db.DischargePrograms.AsNoTracking() on e.ProgramId equals p.Id
         where e.Id == id && p.OperatorId == Operator(user) select e).SingleOrDefaultAsync(ct);

    private static async Task<EventDto> EventAsync(PortalDbContext db, ProgramEvent e, CancellationToken ct)
    {
        var commands = await db.DischargeCommands.AsNoTracking().Where(c => c.EventId == e.Id).ToListAsync(ct);
        var refusals = await db.EventDecisions.AsNoTracking().Where(d => d.EventId == e.Id && !d.Accepted).ToListAsync(ct);
        var results = new EventResults(
            commands.Select(c => c.VehicleId).Concat(refusals.Select(r => r.VehicleId)).Distinct().Count(),
            commands.GroupBy(c => c.State.ToString()).ToDictionary(g => g.Key, g => g.Count()),
            refusals.SelectMany(r => r.Reasons.Select(x => x.Id)).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count()),
            Math.Round(commands.Where(c => c.State == CommandState.Running).Sum(c => -(c.MeasuredKw ?? 0)), 2));
        return new EventDto(e.Id, e.ProgramId, e.Start, e.End, e.RequestedKwPerVehicle, e.TotalTargetKw, e.CancelledAt is not null, results);
    }

    /// <summary>A participant id stable within one event and meaningless outside it.</summary>
    private static string Pseudonym(Guid eventId, Guid vehicleId) =>
        "p_" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{eventId:N}/{vehicleId:N}")))[..16].ToLowerInvariant();
}
