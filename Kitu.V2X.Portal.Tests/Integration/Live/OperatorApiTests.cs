using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>The operators' REST API over real HTTP: keys, scoping, validation, idempotency, and an event end to end.</summary>
public sealed class OperatorApiTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_key_is_401_problem_json()
    {
        using var http = new HttpClient { BaseAddress = portal.Address };

        var response = await http.GetAsync("/api/v1/programs", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_walk_through_creates_a_program_and_an_event_that_reaches_the_evse_and_reports_outcomes()
    {
        await using var rig = await portal.RigAsync();
        using var http = await ClientForAsync(rig.ProgramId);

        var created = await http.PostAsJsonAsync("/api/v1/programs", new { name = "API program", executor = "Evse", payPerKwh = 0.3, eligibleUtilities = new[] { "Test utility" }, maxKwPerVehicle = 11 }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var program = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Draft", program.GetProperty("status").GetString());
        var published = await http.PostAsync($"/api/v1/programs/{program.GetProperty("id").GetGuid()}/publish", null, Ct);
        Assert.Equal("Published", (await published.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(new { programId = rig.ProgramId, durationMinutes = 30, kwPerVehicle = 5 }) };
        request.Headers.Add("Idempotency-Key", "walk-1");
        var dispatched = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, dispatched.StatusCode);
        var eventId = (await dispatched.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        await rig.UntilStateAsync(CommandState.Running);
        var outcomes = await http.GetFromJsonAsync<JsonElement>($"/api/v1/events/{eventId}/outcomes", Ct);
        var outcome = Assert.Single(outcomes.EnumerateArray());
        Assert.Equal("Running", outcome.GetProperty("outcome").GetString());
        Assert.StartsWith("p_", outcome.GetProperty("participant").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(rig.VehicleId.ToString(), outcomes.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(rig.Ev.Identifier, outcomes.GetRawText(), StringComparison.Ordinal);
        var results = (await http.GetFromJsonAsync<JsonElement>($"/api/v1/events/{eventId}", Ct)).GetProperty("results");
        Assert.Equal(1, results.GetProperty("byState").GetProperty("Running").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/v1/events/{eventId}/cancel", null, Ct)).StatusCode);
        await rig.UntilAsync(() => rig.Evse.Stops.Any(s => s.Reason == "program.event_cancelled"), "the EVSE is told why it stops");
        var stopped = await rig.UntilStateAsync(CommandState.Stopped);
        Assert.Equal("program.event_cancelled", stopped.ReasonCode);
    }

    [Fact]
    public async Task The_same_idempotency_key_twice_makes_one_event()
    {
        await using var rig = await portal.RigAsync(connect: false);
        using var http = await ClientForAsync(rig.ProgramId);

        var first = await Dispatch(http, rig.ProgramId, "same-key");
        var second = await Dispatch(http, rig.ProgramId, "same-key");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid(), (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());
        await using var scope = portal.Services.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<PortalDbContext>().ProgramEvents.CountAsync(e => e.ProgramId == rig.ProgramId, Ct));
    }

    [Fact]
    public async Task Another_operator_s_program_is_404_and_invalid_input_is_400_with_field_errors()
    {
        await using var mine = await portal.RigAsync(connect: false);
        await using var theirs = await portal.RigAsync(connect: false);
        using var http = await ClientForAsync(mine.ProgramId);

        var foreign = await http.GetAsync($"/api/v1/programs/{theirs.ProgramId}", Ct);
        var foreignEvent = await Dispatch(http, theirs.ProgramId, null);
        var invalid = await http.PostAsJsonAsync("/api/v1/events", new { programId = mine.ProgramId, durationMinutes = 0, kwPerVehicle = -5 }, Ct);
        var badProgram = await http.PostAsJsonAsync("/api/v1/programs", new { name = "", executor = "Toaster" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, foreignEvent.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("durationMinutes", out _));
        Assert.True(errors.TryGetProperty("kwPerVehicle", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badProgram.StatusCode);
        Assert.True((await badProgram.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("executor", out _));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api_only()
    {
        using var http = new HttpClient { BaseAddress = portal.Address };

        var document = await http.GetFromJsonAsync<JsonElement>("/api/openapi/v1.json", Ct);

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/events", paths);
        Assert.All(paths, p => Assert.StartsWith("/api/v1/", p, StringComparison.Ordinal));
    }

    private async Task<HttpResponseMessage> Dispatch(HttpClient http, Guid programId, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(new { programId, durationMinutes = 30, kwPerVehicle = 5 }) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await http.SendAsync(request, Ct);
    }

    private async Task<HttpClient> ClientForAsync(Guid programId)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var op = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().DischargePrograms.Where(p => p.Id == programId).Select(p => p.OperatorId).SingleAsync(Ct);
        return await portal.ApiClientAsync(op);
    }
}
