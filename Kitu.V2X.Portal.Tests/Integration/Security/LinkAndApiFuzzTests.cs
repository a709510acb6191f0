using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Tests.Integration.Live;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Security;

/// <summary>
/// Hostile values, sizes and encodings on the EVSE link and the operator API (seeded, so a failure repeats, and bounded
/// in time): each call is taken or refused cleanly — a hub error or a 4xx, never a 500, never a dropped link — and what
/// is refused changes nothing in the store.
/// </summary>
public sealed class LinkAndApiFuzzTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static readonly object?[] Numbers = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, -double.MaxValue, 1e-300, -0.0, 0, -1, 101, 1e9, long.MaxValue, "12", null, true, "\u0000"];

    // Long, but under the link's 32 KiB message limit: a larger message closes the link by design (HubInputTests).
    private static readonly string?[] Texts = [null, "", " ", new string('x', 65), new string('x', 8_000), "\u0000", "\uD800", "<script>", "Robert'); DROP TABLE Vehicles;--", "\u202E", "%00", "../../etc/passwd"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Random_hostile_hub_calls_are_taken_or_refused_and_the_link_survives()
    {
        await using var rig = await portal.RigAsync(connect: false);
        await using var connection = new HubConnectionBuilder().WithUrl(new Uri(portal.Address, EvseHub.Path), HttpTransportType.WebSockets, o =>
        {
            o.Headers["Authorization"] = EvseKeyAuthentication.Header(rig.EvseId, rig.Secret);
            o.SkipNegotiation = true;
        }).AddJsonProtocol(o => o.PayloadSerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals).Build();
        await connection.StartAsync(Ct);
        var before = await StoreAsync();
        var random = new Random(2030_5);
        var clock = Stopwatch.StartNew();
        var refused = 0;
        for (var i = 0; i < 400; i++)
        {
            var (method, args) = HubCall(random, rig.EvseId);
            try
            {
                await connection.InvokeCoreAsync(method, args, Ct);
            }
            catch (HubException)
            {
                refused++;
            }

            Assert.Equal(HubConnectionState.Connected, connection.State);
        }

        await connection.InvokeAsync(nameof(EvseHub.Heartbeat), Ct);
        Assert.True(refused > 100, $"only {refused} of 400 hostile calls were refused");
        Assert.Equal(before, await StoreAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"400 calls took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Random_hostile_api_bodies_are_a_4xx_never_a_500_and_store_nothing_when_refused()
    {
        var http = await OperatorClientAsync();
        var random = new Random(1547);
        var programs = await ProgramCountAsync();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++)
        {
            if (i % 100 == 99)
            {
                http.Dispose();
                http = await OperatorClientAsync(); // a key may make 120 requests a minute
            }

            var (path, body) = ApiBody(random);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(random.Next(10) == 0 ? "text/plain" : "application/json");
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(path, content, Ct);
            }
            catch (HttpRequestException ex)
            {
                Assert.Fail($"case {i}: {path} dropped the connection ({ex.Message}) on {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 300)]}");
                throw;
            }

            Assert.True((int)response.StatusCode is 201 or (>= 400 and < 500), $"case {i}: {path} answered {(int)response.StatusCode} to {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 300)]}");
            if (path.EndsWith("/programs", StringComparison.Ordinal))
            {
                var now = await ProgramCountAsync();
                Assert.Equal(programs + (response.StatusCode == HttpStatusCode.Created ? 1 : 0), now);
                programs = now;
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/programs", Ct)).StatusCode); // and the list still reads
        http.Dispose();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"300 bodies took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static (string Method, object?[] Args) HubCall(Random random, Guid evseId) => random.Next(5) switch
    {
        0 => (nameof(EvseHub.Status), [new Dictionary<string, object?>
        {
            ["plugged"] = Pick(random, [true, false, null, "yes", 1]),
            ["vehicleIdentifier"] = Pick(random, Texts),
            ["socPercent"] = Pick(random, Numbers),
            ["j3072Capable"] = Pick(random, [true, false, 2]),
            ["powerKw"] = Pick(random, Numbers),
            ["state"] = Pick(random, [0, 1, 2, 3, 99, -1, "Discharging", null]),
            ["commandId"] = Pick(random, [Guid.NewGuid(), null, "not-a-guid"]),
            ["gridVoltageV"] = Pick(random, Numbers),
            ["gridFrequencyHz"] = Pick(random, Numbers),
            ["gridTrip"] = Pick(random, Texts),
        }]),
        1 => (nameof(EvseHub.Hello), [new Dictionary<string, object?>
        {
            ["protocolVersion"] = Pick(random, [1, 2, 3, 0, 99, -1, null]),
            ["make"] = Pick(random, Texts),
            ["maxChargeKw"] = Pick(random, Numbers),
            ["maxDischargeKw"] = Pick(random, Numbers),
            ["gridFunctions"] = Pick(random, [null, Array.Empty<string>(), Enumerable.Repeat("opModMaxLimW", 100).ToArray(), new[] { new string('x', 500) }]),
            ["nominalVoltageV"] = Pick(random, Numbers),
            ["gridClient"] = Pick(random, [null, "resident", "portal", "other"]),
            ["lfdi"] = Pick(random, [null, "", new string('F', 40), new string('Z', 40), new string('0', 400)]),
            ["sfdi"] = Pick(random, [null, 0, -1, ulong.MaxValue]),
        }]),
        2 => (nameof(EvseHub.GridReport), [new Dictionary<string, object?>
        {
            ["lfdi"] = Pick(random, [new string('A', 40), null, new string('x', 5_000)]),
            ["sfdi"] = Pick(random, [1, -1, null]),
            ["integration"] = Pick(random, [0, 1, 5, 99]),
            ["pollRateSeconds"] = Pick(random, [0, 10, -5, uint.MaxValue]),
            ["functions"] = Pick(random, [null, new Dictionary<string, object?> { ["maxLimitPercent"] = Pick(random, Numbers) }]),
        }]),
        3 => (nameof(EvseHub.Ack), [Pick(random, [Guid.NewGuid(), "x", null, evseId])]),
        _ => (nameof(EvseHub.Reject), [Pick(random, [Guid.NewGuid(), "x", null]), Pick(random, Texts)]),
    };

    private static (string Path, byte[] Body) ApiBody(Random random)
    {
        var path = random.Next(2) == 0 ? "/api/v1/programs" : "/api/v1/events";
        var fields = new Dictionary<string, object?>();
        string[] names = ["name", "description", "executor", "isEmergency", "payPerKwh", "eligibleUtilities", "maxKwPerVehicle", "noticeMinutes", "programId", "start", "durationMinutes", "kwPerVehicle", "totalTargetKw", "whenInForce", "__proto__"];
        foreach (var name in names.Where(_ => random.Next(2) == 0))
        {
            fields[name] = random.Next(4) switch
            {
                0 => Pick(random, Numbers),
                1 => Pick(random, [.. Texts, new string('x', 40_000)]),
                2 => Pick(random, [new[] { "U" }, Enumerable.Range(0, 60).Select(i => $"U{i}").ToArray(), new object?[] { null }, new Dictionary<string, object> { ["a"] = 1 }]),
                _ => Pick(random, ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "not a date", Guid.NewGuid().ToString(), "Evse", "Ev", "replace"]),
            };
        }

        var json = JsonSerializer.Serialize(fields, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
        var bytes = Encoding.UTF8.GetBytes(json);
        return random.Next(8) switch
        {
            0 => (path, bytes[..random.Next(bytes.Length + 1)]), // cut
            1 => (path, [0xFF, 0xFE, .. bytes]), // a byte-order mark of another encoding
            2 => (path, Encoding.UTF8.GetBytes(new string('[', 5_000) + new string(']', 5_000))), // deep nesting
            3 => (path, [.. bytes, 0xC3, 0x28]), // invalid UTF-8
            _ => (path, bytes),
        };
    }

    private static object? Pick(Random random, object?[] values) => values[random.Next(values.Length)];

    /// <summary>What a refused call must not change: vehicles, chargers, grid identities and bindings.</summary>
    private async Task<string> StoreAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var grid = scope.ServiceProvider.GetRequiredService<GridDbContext>();
        var vehicles = await db.Vehicles.AsNoTracking().OrderBy(v => v.Identifier).Select(v => v.Identifier + v.Name).ToListAsync(Ct);
        var evses = await db.Evses.AsNoTracking().OrderBy(e => e.Name).Select(e => e.Name + e.OwnerAllowsDischarge).ToListAsync(Ct);
        var identities = await grid.DeviceCredentials.AsNoTracking().OrderBy(c => c.Lfdi).Select(c => c.Lfdi + c.Kind).ToListAsync(Ct);
        return string.Join("|", vehicles.Concat(evses).Concat(identities).Append((await grid.GridBindings.CountAsync(Ct)).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private async Task<int> ProgramCountAsync()
    {
        await using var scope = portal.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().DischargePrograms.CountAsync(Ct);
    }

    private Task<HttpClient> OperatorClientAsync() => portal.DemoOperatorApiClientAsync();
}
