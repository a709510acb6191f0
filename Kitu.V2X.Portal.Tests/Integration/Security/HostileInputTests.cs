using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Tests.Integration.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>
/// Numbers and sizes from outside, as an attacker sends them to the operator API: every one refused with a 400 problem
/// body naming the field (or 413 for a body too large), nothing stored; rows stored before the checks are repaired by a
/// migration and never break a list.
/// </summary>
public sealed class HostileInputTests(Live.LivePortal portal) : IClassFixture<Live.LivePortal>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{ "name": "N", "maxKwPerVehicle": "NaN" }""", "maxKwPerVehicle")]
    [InlineData("""{ "name": "N", "maxKwPerVehicle": "Infinity" }""", "maxKwPerVehicle")]
    [InlineData("""{ "name": "N", "maxKwPerVehicle": "-Infinity" }""", "maxKwPerVehicle")]
    [InlineData("""{ "name": "N", "maxKwPerVehicle": 1e308 }""", "maxKwPerVehicle")]
    [InlineData("""{ "name": "N", "payPerKwh": 1000000 }""", "payPerKwh")]
    [InlineData("""{ "name": "N", "noticeMinutes": 2147483647 }""", "noticeMinutes")]
    [InlineData("""{ "name": "" }""", "name")]
    public async Task A_program_with_a_number_or_name_out_of_range_is_a_400_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        using var http = await OperatorClientAsync();
        var before = await ProgramCountAsync();

        var response = await http.PostAsync("/api/v1/programs", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"no error for {field}: {problem}");
        Assert.Equal(before, await ProgramCountAsync());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/programs", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_long_description_and_too_many_utilities_are_refused_with_their_limits()
    {
        using var http = await OperatorClientAsync();

        var response = await http.PostAsJsonAsync("/api/v1/programs", new { name = "Long", description = new string('d', 2_001), eligibleUtilities = Enumerable.Range(0, 51).Select(i => $"U{i}") }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        Assert.Equal("A description is at most 2,000 characters.", errors.GetProperty("description")[0].GetString());
        Assert.StartsWith("Eligible utilities: at most 50", errors.GetProperty("eligibleUtilities")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_of_three_megabytes_is_refused_before_it_is_read()
    {
        using var http = await OperatorClientAsync();
        var huge = $$"""{ "name": "Big", "description": "{{new string('x', 3 * 1024 * 1024)}}" }""";

        var response = await http.PostAsync("/api/v1/programs", new StringContent(huge, Encoding.UTF8, "application/json"), Ct);

        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_body_of_thirty_megabytes_sent_with_expect_continue_is_refused_before_it_is_sent()
    {
        using var keyed = await OperatorClientAsync();
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) }) { BaseAddress = keyed.BaseAddress }; // wait for the answer, never send unasked
        http.DefaultRequestHeaders.Add("X-Api-Key", keyed.DefaultRequestHeaders.GetValues("X-Api-Key"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/programs") { Content = new ByteArrayContent(new byte[30 * 1024 * 1024]) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.ExpectContinue = true;

        var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("9999-12-31T23:00:00Z")]
    [InlineData("2300-01-01T00:00:00Z")]
    public async Task An_event_far_in_the_future_is_a_400_not_a_500(string start)
    {
        using var http = await OperatorClientAsync();
        var program = await PublishedProgramAsync();

        var response = await http.PostAsJsonAsync("/api/v1/events", new { programId = program, start, durationMinutes = 30, kwPerVehicle = 5 }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("1e309")]
    public async Task An_event_with_a_power_that_is_not_a_finite_number_is_a_400(string kw)
    {
        using var http = await OperatorClientAsync();
        var program = await PublishedProgramAsync();

        var response = await http.PostAsync("/api/v1/events", new StringContent($$"""{ "programId": "{{program}}", "durationMinutes": 30, "kwPerVehicle": {{kw}} }""", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Programs_stored_before_the_limits_are_repaired_by_the_migration_and_the_list_works()
    {
        Assert.SkipWhen(PortalFactory.Engine != StorageProvider.Sqlite, "The repair migration is SQLite's: PostgreSQL's schema began after it, with the limits in place.");
        var file = Path.Combine(Path.GetTempPath(), $"kitu-repair-{Guid.NewGuid():N}.db");
        try
        {
            await using (var db = TestStores.Portal($"Data Source={file}"))
            {
                await db.Database.MigrateAsync("20261204013733_CommandSegments", Ct);
            }

            await using (var raw = new SqliteConnection($"Data Source={file}"))
            {
                await raw.OpenAsync(Ct);
                await using var insert = raw.CreateCommand();
                var utilities = JsonSerializer.Serialize(Enumerable.Range(0, 200).Select(i => $"Utility {i}"));
                insert.CommandText = $"""
                    PRAGMA foreign_keys = OFF;
                    INSERT INTO "DischargePrograms" ("Id", "OperatorId", "OperatorKind", "Name", "Description", "Executor", "IsEmergency", "CompensationPerKwh", "EligibleUtilities", "EligibleSiteIds", "MaxKwPerVehicle", "NoticeMinutes", "Status")
                    VALUES ('{Guid.NewGuid()}', '{Guid.NewGuid()}', 'Utility', '{new string('n', 300)}', '{new string('d', 5000)}', 'Evse', 0, '0.1', '{utilities}', '[]', 9e999, -5, 'Draft');
                    """;
                await insert.ExecuteNonQueryAsync(Ct);
            }

            await using (var db = TestStores.Portal($"Data Source={file}"))
            {
                await db.Database.MigrateAsync(Ct);
                var program = await db.DischargePrograms.AsNoTracking().SingleAsync(Ct);
                Assert.Null(program.MaxKwPerVehicle);
                Assert.Equal(100, program.Name.Length);
                Assert.Equal(2_000, program.Description!.Length);
                Assert.Equal(50, program.EligibleUtilities.Count);
                Assert.Equal(0, program.NoticeMinutes);
                Assert.Empty(program.Validate());
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    private async Task<int> ProgramCountAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().DischargePrograms.CountAsync(Ct);
    }

    private async Task<Guid> PublishedProgramAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().DischargePrograms.Where(p => p.Name == DemoFleet.ProgramName).Select(p => p.Id).SingleAsync(Ct);
    }

    private Task<HttpClient> OperatorClientAsync() => portal.DemoOperatorApiClientAsync();
}
