using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Kitu.V2X.Portal.Programs;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>The Dispatch page and <c>/api/v1</c> dispatch through one use case: the same rules, messages, choice and outcomes.</summary>
public sealed class DispatchParityTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<double, bool, int, int> BadRequests => new()
    {
        { 0, false, 0, 30 },
        { 400, false, 0, 30 },
        { 0, true, 0, 30 },
        { 200_000, true, 0, 30 },
        { 5, false, 0, 0 },
        { 5, false, 0, 2000 },
        { 5, false, 9 * 24 * 60, 30 },
        { double.NaN, false, 0, 30 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_dispatch_gets_the_same_field_messages_from_the_page_and_the_api(double kw, bool total, int startInMinutes, int minutes)
    {
        await using var rig = await portal.RigAsync(connect: false);
        var (userId, http) = await OperatorOfAsync(rig);
        using (http)
        {
            await using var scope = portal.Services.CreateAsyncScope();
            var page = await scope.ServiceProvider.GetRequiredService<ProgramDispatch>()
                .DispatchAsync(userId, rig.ProgramId, new DispatchFormModel { Kw = kw, TotalTarget = total, StartInMinutes = startInMinutes, Minutes = minutes }, Ct);
            var body = new Dictionary<string, object?>
            {
                ["programId"] = rig.ProgramId,
                ["durationMinutes"] = minutes,
                [total ? "totalTargetKw" : "kwPerVehicle"] = double.IsNaN(kw) ? null : kw,
                ["start"] = startInMinutes == 0 ? null : DateTimeOffset.UtcNow.AddMinutes(startInMinutes),
            };
            var api = await http.PostAsJsonAsync("/api/v1/events", body, Ct);

            Assert.False(page.Succeeded);
            Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
            var apiErrors = (await api.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
            if (double.IsNaN(kw))
            {
                // JSON cannot carry NaN (the API gets no power at all); the page's NaN is refused on the same field.
                Assert.True(page.Errors.ContainsKey("kwPerVehicle"), page.Message);
                Assert.True(apiErrors.ContainsKey("kwPerVehicle"));
                return;
            }

            Assert.Equal(page.Errors.OrderBy(e => e.Key).Select(e => (e.Key, string.Join("|", e.Value))), apiErrors.OrderBy(e => e.Key).Select(e => (e.Key, string.Join("|", e.Value))));
        }
    }

    [Fact]
    public async Task With_an_event_in_force_both_ask_and_replace_or_add_does_what_it_says()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        var (userId, http) = await OperatorOfAsync(rig);
        using (http)
        {
            var first = await http.PostAsJsonAsync("/api/v1/events", new { programId = rig.ProgramId, durationMinutes = 30, kwPerVehicle = 5 }, Ct);
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
            var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
            await rig.UntilStateAsync(CommandState.Running);

            var asked = await http.PostAsJsonAsync("/api/v1/events", new { programId = rig.ProgramId, durationMinutes = 30, kwPerVehicle = 4 }, Ct);
            Assert.Equal(HttpStatusCode.Conflict, asked.StatusCode);
            Assert.Equal(firstId, (await asked.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("eventInForce").GetGuid());
            await using var scope = portal.Services.CreateAsyncScope();
            var page = await scope.ServiceProvider.GetRequiredService<ProgramDispatch>().DispatchAsync(userId, rig.ProgramId, new DispatchFormModel { Kw = 4, Minutes = 30 }, Ct);
            Assert.Equal(firstId, page.InForce?.Id);

            var replaced = await http.PostAsJsonAsync("/api/v1/events", new { programId = rig.ProgramId, durationMinutes = 30, kwPerVehicle = 4, whenInForce = "replace" }, Ct);
            Assert.Equal(HttpStatusCode.Created, replaced.StatusCode);
            var completed = await rig.UntilFoundAsync(async () => (await rig.CommandsAsync()).FirstOrDefault(c => c.EventId == firstId && c.State == CommandState.Completed), "the replaced event's discharge completes");
            Assert.Equal("program.event_ended", completed.ReasonCode);
            await rig.UntilAsync(async () => (await rig.CommandsAsync()).Any(c => c.EventId != firstId && c.State == CommandState.Running && c.Kw == 4), "the new event runs");

            var added = await scope.ServiceProvider.GetRequiredService<ProgramDispatch>().DispatchAsync(userId, rig.ProgramId, new DispatchFormModel { Kw = 3, Minutes = 30 }, Ct, WhenInForce.Add);
            Assert.True(added.Succeeded);
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var now = DateTimeOffset.UtcNow;
            Assert.Equal(2, await db.ProgramEvents.CountAsync(e => e.ProgramId == rig.ProgramId && e.CancelledAt == null && e.End > now, Ct));
        }
    }

    [Fact]
    public async Task The_page_and_the_api_read_the_same_outcomes_and_a_stopped_command_shows_0_kw()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        var (userId, http) = await OperatorOfAsync(rig);
        using (http)
        {
            var created = await http.PostAsJsonAsync("/api/v1/events", new { programId = rig.ProgramId, durationMinutes = 30, kwPerVehicle = 5 }, Ct);
            var eventId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
            await rig.UntilStateAsync(CommandState.Running);
            await rig.UntilAsync(async () => (await rig.CommandAsync())?.MeasuredKw == -5, "the power is measured");
            await Task.Delay(TimeSpan.FromSeconds(2), Ct); // some energy to count
            Assert.True(await portal.Mediator.StopByDriverAsync(rig.VehicleId, Ct));

            await using var scope = portal.Services.CreateAsyncScope();
            var page = (await scope.ServiceProvider.GetRequiredService<ProgramDispatch>().ReportAsync(userId, eventId, Ct))!;
            var api = await http.GetFromJsonAsync<JsonElement>($"/api/v1/events/{eventId}", Ct);
            var outcome = Assert.Single((await http.GetFromJsonAsync<JsonElement>($"/api/v1/events/{eventId}/outcomes", Ct)).EnumerateArray());
            var row = Assert.Single(page.Participants);

            Assert.Equal(("Stopped", 0.0), (row.State, row.MeasuredKw));
            Assert.Equal(row.State, outcome.GetProperty("outcome").GetString());
            Assert.Equal(row.MeasuredKw, outcome.GetProperty("measuredKw").GetDouble());
            Assert.Equal(["ev.stopped_by_driver"], outcome.GetProperty("reasonCodes").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(page.AchievedKw, api.GetProperty("results").GetProperty("achievedKw").GetDouble());
            Assert.Equal(0, page.AchievedKw);
            Assert.Equal(page.DischargedKwh, api.GetProperty("results").GetProperty("dischargedKwh").GetDouble());
            Assert.True(page.DischargedKwh > 0);
        }
    }

    [Fact]
    public async Task Past_events_are_listed_with_their_outcomes()
    {
        await using var rig = await portal.RigAsync(soc: 80);
        var (userId, http) = await OperatorOfAsync(rig);
        using (http)
        {
            var created = await http.PostAsJsonAsync("/api/v1/events", new { programId = rig.ProgramId, durationMinutes = 30, kwPerVehicle = 5 }, Ct);
            var eventId = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
            await rig.UntilStateAsync(CommandState.Running);
            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/v1/events/{eventId}/cancel", null, Ct)).StatusCode);
            await rig.UntilStateAsync(CommandState.Stopped);

            var listed = await http.GetFromJsonAsync<JsonElement>($"/api/v1/events?programId={rig.ProgramId}", Ct);
            await using var scope = portal.Services.CreateAsyncScope();
            var past = await scope.ServiceProvider.GetRequiredService<ProgramDispatch>().PastAsync(userId, rig.ProgramId, Ct);

            var report = Assert.Single(past);
            Assert.Equal(eventId, report.Event.Id);
            Assert.Equal(["Stopped"], report.Participants.Select(p => p.State));
            var dto = Assert.Single(listed.EnumerateArray());
            Assert.True(dto.GetProperty("cancelled").GetBoolean());
            Assert.Equal(1, dto.GetProperty("results").GetProperty("byState").GetProperty("Stopped").GetInt32());
        }
    }

    /// <summary>An operator account for the rig's program's operator (for the page) and an API key (for the API).</summary>
    private async Task<(string UserId, HttpClient Http)> OperatorOfAsync(Rig rig)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var operatorId = await db.DischargePrograms.Where(p => p.Id == rig.ProgramId).Select(p => p.OperatorId).SingleAsync(Ct);
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = new PortalUser { UserName = $"op-{Guid.NewGuid():N}@example.test", Email = $"op-{Guid.NewGuid():N}@example.test", EmailConfirmed = true, OperatorId = operatorId };
        Assert.True((await users.CreateAsync(user)).Succeeded);
        var (key, stored) = OperatorApiKey.Issue(operatorId, "parity", DateTimeOffset.UtcNow);
        db.OperatorApiKeys.Add(stored);
        await db.SaveChangesAsync(Ct);
        var http = new HttpClient { BaseAddress = portal.Address };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return (user.Id, http);
    }
}
