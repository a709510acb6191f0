using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Programs;
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

    /// <summary>The largest request body: a program with its longest description and every eligible utility fits many times over.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapOperatorApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(ApiKeyAuthentication.SchemeName).RequireClaim(ApiKeyAuthentication.OperatorClaim))
            .RequireRateLimiting(RateLimitPolicy)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBodyBytes))
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
                Currency = body.Currency?.Trim().ToUpperInvariant() ?? "",
                TimeZoneId = body.TimeZoneId?.Trim() ?? "",
                EligibleUtilities = [.. body.EligibleUtilities ?? []],
                MaxKwPerVehicle = body.MaxKwPerVehicle,
                NoticeMinutes = body.NoticeMinutes,
            };
            foreach (var problem in program.Validate())
            {
                errors[Field(problem)] = [.. errors.GetValueOrDefault(Field(problem)) ?? [], problem];
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

        api.MapPost("/events", async (EventCreate body, HttpRequest request, ClaimsPrincipal user, DispatchEvent dispatch, EventReports reports, CancellationToken ct) =>
        {
            WhenInForce whenInForce = WhenInForce.Ask;
            if (body.WhenInForce is { } choice && !Enum.TryParse(choice, ignoreCase: true, out whenInForce))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["whenInForce"] = ["whenInForce is \"replace\" or \"add\"."] });
            }

            var result = await dispatch.RunAsync(Operator(user), new DispatchRequest(body.ProgramId, body.KwPerVehicle, body.TotalTargetKw, body.Start, body.DurationMinutes, whenInForce, request.Headers["Idempotency-Key"].ToString()), ct);
            if (result.NotFound)
            {
                return NotFound("program");
            }

            if (result.Paused)
            {
                request.HttpContext.Response.Headers.RetryAfter = "15";
                return Results.Problem(statusCode: 503, title: "Dispatching is paused", detail: result.Message);
            }

            if (result.InForce is { } inForce)
            {
                return Results.Problem(
                    statusCode: 409,
                    title: "An event of this program is in force",
                    detail: $"Event {inForce.Id} runs until {inForce.End:O}. Send \"whenInForce\": \"replace\" to end it now, or \"add\" to run both.",
                    extensions: new Dictionary<string, object?> { ["eventInForce"] = inForce.Id });
            }

            if (!result.Succeeded)
            {
                return Results.ValidationProblem(result.Errors);
            }

            var dto = EventDto.From((await reports.ForOperatorAsync(Operator(user), result.Event!.Id, ct))!);
            return result.Existing ? Results.Ok(dto) : Results.Created($"{Prefix}/events/{result.Event.Id}", dto);
        }).WithSummary("Dispatch an event (send an Idempotency-Key header to make retries safe; with an event of the program in force, say whenInForce: replace or add)");

        api.MapGet("/events", async (Guid? programId, ClaimsPrincipal user, EventReports reports, CancellationToken ct) =>
            (await reports.PastAsync(Operator(user), programId, 50, ct)).Select(EventDto.From).ToList())
            .WithSummary("Past events (ended or cancelled), latest first, with their results");

        api.MapGet("/events/{id:guid}", async (Guid id, ClaimsPrincipal user, EventReports reports, CancellationToken ct) =>
            await reports.ForOperatorAsync(Operator(user), id, ct) is { } report ? Results.Ok(EventDto.From(report)) : NotFound("event"))
            .WithSummary("An event with its aggregate results");

        api.MapPost("/events/{id:guid}/cancel", async (Guid id, ClaimsPrincipal user, CancelEvent cancel, CancellationToken ct) =>
            await cancel.RunAsync(Operator(user), id, ct) ? Results.NoContent() : NotFound("event"))
            .WithSummary("Cancel an event: running discharges stop");

        api.MapGet("/events/{id:guid}/outcomes", async (Guid id, ClaimsPrincipal user, EventReports reports, CancellationToken ct) =>
            await reports.ForOperatorAsync(Operator(user), id, ct) is { } report
                ? Results.Ok(report.Participants
                    .Select(p => new OutcomeDto(Pseudonym(id, p.VehicleId), p.State, p.Kw, p.State == ParticipantOutcome.Refused ? null : p.MeasuredKw, [.. p.Reasons.Select(r => r.Id)]) { DischargedKwh = p.DischargedKwh, Segments = p.Segments })
                    .OrderBy(o => o.Participant, StringComparer.Ordinal)
                    .ToList())
                : NotFound("event"))
            .WithSummary("Per-participant outcomes with reason codes (participants are pseudonyms per event)");

        return app;
    }

    private static Guid Operator(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ApiKeyAuthentication.OperatorClaim)!);

    private static IResult NotFound(string what) =>
        Results.Problem(statusCode: 404, title: $"No such {what}", detail: $"The {what} does not exist or belongs to another operator.");

    private static string Field(string problem) => problem switch
    {
        _ when problem.Contains("mergency", StringComparison.Ordinal) => "isEmergency",
        _ when problem.StartsWith("Eligible utilities", StringComparison.Ordinal) => "eligibleUtilities",
        _ when problem.Contains("description", StringComparison.OrdinalIgnoreCase) => "description",
        _ when problem.StartsWith("Pay per kWh", StringComparison.Ordinal) => "payPerKwh",
        _ when problem.Contains("kW per vehicle", StringComparison.Ordinal) => "maxKwPerVehicle",
        _ when problem.StartsWith("Notice", StringComparison.Ordinal) => "noticeMinutes",
        _ when problem.Contains("currency", StringComparison.Ordinal) => "currency",
        _ when problem.Contains("time zone", StringComparison.Ordinal) => "timeZoneId",
        _ when problem.Contains("name", StringComparison.OrdinalIgnoreCase) => "name",
        _ => "program",
    };

    private static async Task<IResult> SetStatus(Guid id, ProgramStatus status, ClaimsPrincipal user, PortalDbContext db, CancellationToken ct)
    {
        var changed = await db.DischargePrograms.Where(p => p.Id == id && p.OperatorId == Operator(user)).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, status), ct);
        return changed == 0 ? NotFound("program") : Results.Ok(ProgramDto.From(await db.DischargePrograms.AsNoTracking().SingleAsync(p => p.Id == id, ct)));
    }

    /// <summary>A participant id stable within one event and meaningless outside it.</summary>
    private static string Pseudonym(Guid eventId, Guid vehicleId) =>
        "p_" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{eventId:N}/{vehicleId:N}")))[..16].ToLowerInvariant();
}
