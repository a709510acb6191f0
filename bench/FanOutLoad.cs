using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Kitu.V2X.Portal.Api;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Extensions;
using Kitu.V2X.Portal.Grid;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// <c>fan-out</c> and <c>stop</c>: one program event to N EVSEs, and its cancellation, through the real portal — N
/// chargers bound to a 2030.5 sandbox (a child process) and grid-integrated, each with a car plugged in and enrolled,
/// each a virtual EVSE on its own SignalR connection in a load process (<see cref="LoadFleet"/>). The event is created
/// over the operator REST API; the time to each EVSE's ack (taken by the portal) and to each EVSE's stop is measured
/// from the request. The baseline is the bare hub (<see cref="BareServer"/>) that sends one command to the same number
/// of clients, each of which acks it, then one stop. Reports last-ack and p50/p95/p99, and the ratios; JSON or MessagePack.
/// </summary>
internal static partial class FanOutLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var n = args.Contains("--quick") ? 50 : Harness.Int(args, "--evses", 1_000);
        var messagePack = Harness.Str(args, "--protocol") == "messagepack";
        var ocpp = Harness.Str(args, "--transport") == "ocpp";
        var storage = Harness.Str(args, "--storage");
        if (storage == "compare")
        {
            return await CompareStorageAsync(n, messagePack, args.Contains("--quick") ? 2 : Harness.Int(args, "--rounds", 3), args.Contains("--quick"));
        }

        BenchStorage.PostgreSql = storage == "postgresql";
        if (args.Contains("--restart"))
        {
            return await RestartAsync(n, messagePack, args.Contains("--quick"));
        }

        // The first event after a start runs code compiled on first use on both sides; later events show a server that
        // has been running. Each side sends Rounds events one after the other; the later ones are reported as a median.
        var rounds = args.Contains("--quick") ? 2 : Harness.Int(args, "--rounds", 3);
        var wire = ocpp ? "OCPP 2.1 charging profiles" : messagePack ? "MessagePack" : "JSON";
        Console.WriteLine($"fan-out: N = {n:N0}, {wire}, {rounds} rounds");
        var portal = (await RunPortalAsync(n, messagePack, rounds, null, ocpp)).Outcome;
        var bare = await BareAsync(n, messagePack, rounds, ocpp);
        var portalLater = Latencies.MedianOf(portal.Later);
        var bareLater = Latencies.MedianOf(bare.Later);
        var driverLine = ocpp
            ? "Driver's stop: not measured over OCPP (a virtual station does not report when the portal took its answer)."
            : string.Create(CultureInfo.InvariantCulture, $"Driver's stop now, {portal.DriverStop?.Count} cars one at a time with {n:N0} connected and discharging — tap → the EVSE's ack (its idle status taken by the portal): p50 {portal.DriverStop?.P50:0} ms, p99 {portal.DriverStop?.P99:0} ms (goal ≤ 250 ms); tap → stop at the EVSE: p50 {portal.DriverStopArrival?.P50:0} ms, p99 {portal.DriverStopArrival?.P99:0} ms.");
        var table = string.Create(CultureInfo.InvariantCulture, $"""

            | fan-out, N = {n:N0}, {wire} | last ack | p50 | p95 | p99 | stop: last | stop p99 |
            |---|---:|---:|---:|---:|---:|---:|
            | portal (REST dispatch → mediator → {(ocpp ? "station accepts the profile" : "EVSE ack")}) | {portal.Ack.Last:0} ms | {portal.Ack.P50:0} ms | {portal.Ack.P95:0} ms | {portal.Ack.P99:0} ms | {portal.Stop.Last:0} ms | {portal.Stop.P99:0} ms |
            | {(ocpp ? "bare WebSocket server" : "bare hub")} (send to all → ack) | {bare.Ack.Last:0} ms | {bare.Ack.P50:0} ms | {bare.Ack.P95:0} ms | {bare.Ack.P99:0} ms | {bare.Stop.Last:0} ms | {bare.Stop.P99:0} ms |
            | ratio | {portal.Ack.Last / bare.Ack.Last:0.00}× | | | {portal.Ack.P99 / bare.Ack.P99:0.00}× | {portal.Stop.Last / bare.Stop.Last:0.00}× | {portal.Stop.P99 / bare.Stop.P99:0.00}× |
            | portal, later events (median of {portal.Later.Count}: {string.Join(", ", portal.Later.Select(l => l.Last.ToString("0", CultureInfo.InvariantCulture)))} ms) | {portalLater.Last:0} ms | {portalLater.P50:0} ms | {portalLater.P95:0} ms | {portalLater.P99:0} ms | | |
            | {(ocpp ? "bare WebSocket server" : "bare hub")}, later (median of {bare.Later.Count}: {string.Join(", ", bare.Later.Select(l => l.Last.ToString("0", CultureInfo.InvariantCulture)))} ms) | {bareLater.Last:0} ms | {bareLater.P50:0} ms | {bareLater.P95:0} ms | {bareLater.P99:0} ms | | |
            | ratio, later events | {portalLater.Last / bareLater.Last:0.00}× | | | {portalLater.P99 / bareLater.P99:0.00}× | | |

            {driverLine}
            """);
        Console.WriteLine(table);
        BenchResults.Record($"fan-out-{(ocpp ? "ocpp" : messagePack ? "messagepack" : "json")}-{n}", new Dictionary<string, object>
        {
            ["n"] = n,
            ["protocol"] = ocpp ? "ocpp2.1" : messagePack ? "messagepack" : "json",
            ["portal"] = portal,
            ["bare"] = bare,
            ["lastAckRatio"] = portal.Ack.Last / bare.Ack.Last,
            ["p99Ratio"] = portal.Ack.P99 / bare.Ack.P99,
            ["stopP99Ratio"] = portal.Stop.P99 / bare.Stop.P99,
            ["laterLastAckRatio"] = portalLater.Last / bareLater.Last,
            ["laterP99Ratio"] = portalLater.P99 / bareLater.P99,
        }, args.Contains("--quick"));
        return 0;
    }

    private static async Task<double> PortalAsync(int n, bool messagePack, Func<PortalProcess, LoadFleet, string, Task<(PortalProcess Second, double Ready)>> afterFanOut) =>
        (await RunPortalAsync(n, messagePack, 1, afterFanOut)).Ready;

    private static async Task<(Outcome Outcome, double Ready)> RunPortalAsync(int n, bool messagePack, int rounds, Func<PortalProcess, LoadFleet, string, Task<(PortalProcess Second, double Ready)>>? afterFanOut, bool ocpp = false)
    {
        var dir = Directory.CreateTempSubdirectory("kitu-bench-fanout-").FullName;
        Process? sandbox = null;
        try
        {
            // 1. A first start migrates the stores and seeds the demo accounts and operator.
            await (await PortalProcess.StartAsync(dir)).DisposeAsync();

            // 2. N chargers with their cars, a program, an API key, and N grid bindings to a sandbox in a child process.
            //    The sandbox serves the 2030.5 default pollRate (900 s): the fan-out is measured, not the polling
            //    (that is grid-sessions' figure, at 60 s).
            var (chargers, programId, apiKey) = await SeedAsync(dir, n, async devicePem =>
            {
                var from = DateTimeOffset.UtcNow.AddDays(-1);
                var utilityCa = Certificates.CreateAuthority("Bench Utility CA", from, TimeSpan.FromDays(7));
                await File.WriteAllBytesAsync(Path.Combine(dir, "server.pfx"), Certificates.ExportWithKey(Certificates.IssueServer(utilityCa, "localhost", from, TimeSpan.FromDays(7))));
                await File.WriteAllTextAsync(Path.Combine(dir, "device-ca.pem"), devicePem);
                sandbox = GridSessionsLoad.StartSandbox(dir, 900);
                var port = await GridSessionsLoad.ReadPortAsync(sandbox);
                return new ApprovedServer { Name = "Bench sandbox", UtilityName = DemoSites.Utility, DeviceCapabilityUrl = $"https://localhost:{port}/dcap", TrustAnchorPem = utilityCa.ExportCertificatePem() };
            }, ocpp);

            // 3. The portal again: its grid worker loads the bindings; the EVSEs connect (in load processes) and wait
            //    to be integrated. The 2030.5 connections close when idle, so the portal's sockets are its EVSE links.
            await using var portal = await PortalProcess.StartAsync(dir, new Dictionary<string, string> { ["Grid__IdleConnectionSeconds"] = "2" });
            Console.WriteLine($"Portal process {portal.Id} at {portal.Url}; connecting {n:N0} EVSEs…");
            var acks = new ConcurrentDictionary<int, double>(); // the first ack of each EVSE in a round (not a renewal's)
            var stops = new ConcurrentBag<double>();
            var driverStops = new ConcurrentDictionary<int, DriverStop>();
            long started = 0;
            await using var fleet = await LoadFleet.ConnectAsync(ocpp ? "ocpp" : "portal", portal.Url, chargers.Select(c => new LoadClient(c.Id, c.Secret, c.Vehicle, ocpp ? c.Vehicle : null)).ToList(), messagePack);
            fleet.OnAck = (i, at) => acks.TryAdd(i, LoadFleet.Ms(Volatile.Read(ref started), at));
            fleet.OnStop = (i, at) =>
            {
                if (driverStops.TryGetValue(i, out var waiting))
                {
                    waiting.Arrived.TrySetResult(at);
                }
                else
                {
                    stops.Add(LoadFleet.Ms(Volatile.Read(ref started), at));
                }
            };
            fleet.OnStopConfirmed = (i, at) => driverStops.GetValueOrDefault(i)?.Acked.TrySetResult(at);
            Console.WriteLine($"{n:N0} EVSEs connected from {fleet.Processes} load process(es).");
            var ramp = Stopwatch.StartNew();
            var rampLimit = TimeSpan.FromMinutes(5 + (n / 1_000)); // the grid module loads N certificates, then 64 walks at a time
            using var diagnostics = portal.CreateClient();
            var integrated = ocpp
                ? async () => (await diagnostics.GetFromJsonAsync<System.Text.Json.JsonElement>("/diagnostics/links")).GetProperty("integrated").GetInt32()
                : (Func<Task<int>>)(() => Task.FromResult(fleet.Integrated));
            while (await integrated() < n)
            {
                if (ramp.Elapsed > rampLimit)
                {
                    throw new TimeoutException($"The EVSEs were not all grid-integrated within {rampLimit.TotalMinutes:0} minutes.");
                }

                await Task.Delay(1000);
                Console.Write($"\rIntegrated: {await integrated():N0}/{n:N0} after {ramp.Elapsed.TotalSeconds:0} s   ");
            }

            Console.WriteLine();
            await Harness.Pause(2); // let the last statuses land

            using var http = new HttpClient { BaseAddress = portal.Url };
            http.DefaultRequestHeaders.Add(ApiKeyAuthentication.Header, apiKey);
            Volatile.Write(ref started, Stopwatch.GetTimestamp());
            var created = await http.PostAsJsonAsync("/api/v1/events", new { programId, durationMinutes = 30, kwPerVehicle = 5 });
            created.EnsureSuccessStatusCode();
            var eventId = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
            await UntilAsync(() => acks.Count >= n, TimeSpan.FromMinutes(5), () => $"acks {acks.Count:N0}/{n:N0}");
            var ack = Latencies.Of(acks.Values);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Portal fan-out: last ack {ack.Last:0} ms, p50 {ack.P50:0}, p95 {ack.P95:0}, p99 {ack.P99:0} ms"));
            await Harness.Pause(5, quickSeconds: 3); // the cars report running; the mediator watches N live commands
            if (afterFanOut is not null)
            {
                var (second, ready) = await afterFanOut(portal, fleet, dir);
                await second.DisposeAsync();
                return (new Outcome(ack, Latencies.Of([])), ready);
            }

            // The driver's "stop now", one car at a time, while N EVSEs are connected and discharging (SignalR only: a
            // virtual OCPP station does not report when the portal took its answer).
            var (driverAcked, driverArrived) = ocpp
                ? (Latencies.Of([]), Latencies.Of([]))
                : await DriverStopsAsync(portal.Url, chargers.Select(c => c.VehicleId).ToList(), driverStops, Math.Min(100, n));

            stops.Clear();
            Volatile.Write(ref started, Stopwatch.GetTimestamp());
            (await http.PostAsync($"/api/v1/events/{eventId}/cancel", null)).EnsureSuccessStatusCode();
            await UntilAsync(() => stops.Count >= n - driverAcked.Count, TimeSpan.FromMinutes(5), () => $"stops {stops.Count:N0}/{n - driverAcked.Count:N0}");
            var stop = Latencies.Of(stops);

            // Later events, each to all N (the cars stopped by their driver take part again: that stop held for its event).
            var later = new List<Latencies>();
            for (var round = 2; round <= rounds; round++)
            {
                await Harness.Pause(5, quickSeconds: 2); // the stopped cars report idle; the mediator ends the commands of the cancelled event
                driverStops.Clear(); // every stop from now on is the cancel's
                acks.Clear();
                Volatile.Write(ref started, Stopwatch.GetTimestamp());
                var next = await http.PostAsJsonAsync("/api/v1/events", new { programId, durationMinutes = 30, kwPerVehicle = 5 });
                next.EnsureSuccessStatusCode();
                var nextId = (await next.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
                await UntilAsync(() => acks.Count >= n, TimeSpan.FromMinutes(5), () => $"round {round}: acks {acks.Count:N0}/{n:N0}");
                later.Add(Latencies.Of(acks.Values));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Portal fan-out, round {round}: last ack {later[^1].Last:0} ms, p99 {later[^1].P99:0} ms"));
                await Harness.Pause(5);
                stops.Clear();
                (await http.PostAsync($"/api/v1/events/{nextId}/cancel", null)).EnsureSuccessStatusCode();
                await UntilAsync(() => stops.Count >= n, TimeSpan.FromMinutes(5), () => $"round {round}: stops {stops.Count:N0}/{n:N0}");
            }

            return (new Outcome(ack, stop) { DriverStop = driverAcked, DriverStopArrival = driverArrived, Later = later }, 0);
        }
        finally
        {
            sandbox?.Kill(entireProcessTree: true);
            Harness.TryDelete(dir);
        }
    }

    /// <summary>
    /// Signs in as the fleet manager who owns the cars (the login form, as a browser posts it) and stops
    /// <paramref name="count"/> cars spread over the fleet one after the other through <c>POST /api/me/cars/{id}/stop</c>;
    /// each latency runs from the request to the stop arriving at that car's EVSE.
    /// </summary>
    private static async Task<(Latencies Acked, Latencies Arrived)> DriverStopsAsync(Uri portal, List<Guid> vehicles, ConcurrentDictionary<int, DriverStop> watched, int count)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true };
        using var http = new HttpClient(handler) { BaseAddress = portal };
        var page = await http.GetStringAsync("/Account/Login");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var login = await http.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = DemoAccounts.Fleet.Email,
            ["Input.Password"] = new DemoOptions().Password,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["_handler"] = "login",
        }));
        if (login.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"The fleet manager could not sign in ({login.StatusCode}).");
        }

        var samples = new List<double>();
        var arrivals = new List<double>();
        var skipped = 0;
        // Cars spread over the fleet, then any other, until enough stops are measured.
        var order = Enumerable.Range(0, count).Select(k => k * vehicles.Count / count).Concat(Enumerable.Range(0, vehicles.Count)).Distinct();
        foreach (var i in order)
        {
            if (samples.Count >= count)
            {
                break;
            }

            var stop = watched[i] = new DriverStop();
            var tapped = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/me/cars/{vehicles[i]}/stop");
            request.Headers.Add(Drivers.DriverStopEndpoint.RequestHeader, "1");
            var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                skipped++; // nothing running for that car any more (its command ended on its own): take the next
                continue;
            }

            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"Stopping car {i} answered {response.StatusCode}.");
            }

            samples.Add(LoadFleet.Ms(tapped, await stop.Acked.Task.WaitAsync(TimeSpan.FromSeconds(30))));
            arrivals.Add(LoadFleet.Ms(tapped, await stop.Arrived.Task));
        }

        if (skipped > 0)
        {
            Console.WriteLine($"Driver's stop: {skipped} cars had nothing running any more and were skipped.");
        }

        return (Latencies.Of(samples), Latencies.Of(arrivals));
    }

    private static async Task<(List<(Guid Id, string Secret, string Vehicle, Guid VehicleId)> Chargers, Guid ProgramId, string ApiKey)> SeedAsync(string dir, int n, Func<string, Task<ApprovedServer>> startSandbox, bool ocpp = false)
    {
        var builder = WebApplication.CreateBuilder([$"--Storage:DataDirectory={dir}", "--Sandbox:Enabled=false", .. BenchStorage.Arguments(dir)]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddPortalData();
        builder.AddGridSecurity();
        await using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<PortalDbContext>();
        var gridDb = sp.GetRequiredService<GridDbContext>();
        var authority = sp.GetRequiredService<DeviceCertificateAuthority>();
        var server = await startSandbox(authority.Pem);
        gridDb.ApprovedServers.Add(server);

        var fleetOwner = await db.Users.SingleAsync(u => u.NormalizedEmail == DemoAccounts.Fleet.Email.ToUpperInvariant());
        var utility = await db.ProgramOperators.SingleAsync(o => o.Name == DemoFleet.OperatorName);
        var site = new Site { OwnerId = fleetOwner.Id, Name = "Fan-out lot", Kind = SiteKind.Private, UtilityName = DemoSites.Utility, TimeZoneId = DemoSites.TimeZone };
        var program = new DischargeProgram { OperatorId = utility.Id, OperatorKind = OperatorKind.Utility, Name = "Fan-out program", Status = ProgramStatus.Published, EligibleUtilities = [DemoSites.Utility], MaxKwPerVehicle = 11 };
        var (apiKey, storedKey) = OperatorApiKey.Issue(utility.Id, "bench", DateTimeOffset.UtcNow);
        db.AddRange(site, program, storedKey);

        var chargers = new List<(Guid, string, string, Guid)>();
        var certificates = new (System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate, byte[] Protected)[n];
        Parallel.For(0, n, i => certificates[i] = authority.IssueDevice());
        for (var i = 0; i < n; i++)
        {
            // An OCPP station's id is its car's identifier here (FAN-00000…): one of each per bay.
            var evse = new Domain.ConsumerSupport.Evse { SiteId = site.Id, Name = $"Fan {i + 1:00000}", Current = CurrentType.Dc, RatedChargeKw = 22, RatedDischargeKw = 22, OwnerAllowsDischarge = true, OcppStationId = ocpp ? $"FAN-{i:00000}" : null };
            var car = new Vehicle { OwnerId = fleetOwner.Id, FleetSiteId = site.Id, Name = $"Fan car {i + 1:00000}", Make = "Bench", BatteryKwh = 60, MaxDischargeKw = 11, SupportsDcDischarge = true, J3072Capable = true, Identifier = $"FAN-{i:00000}" };
            var (secret, credential) = EvseCredential.Issue(evse.Id, DateTimeOffset.UtcNow, ocpp ? EvseCredential.OcppSecretLength : 43);
            db.AddRange(evse, car, credential);
            db.DischargePreferences.Add(new DischargePreferences { VehicleId = car.Id, Consent = true, SocFloorPercent = 20, TimeZoneId = DemoSites.TimeZone });
            db.Enrollments.Add(new Enrollment { VehicleId = car.Id, ProgramId = program.Id, Rank = 1, EnrolledAt = DateTimeOffset.UtcNow });

            var identity = DeviceIdentity.FromCertificate(certificates[i].Certificate.RawData);
            gridDb.GridBindings.Add(new GridBinding
            {
                EvseId = evse.Id,
                ServerId = server.Id,
                Lfdi = identity.Lfdi,
                Sfdi = identity.Sfdi,
                RatedChargeW = 22_000,
                RatedDischargeW = 22_000,
                BoundAt = DateTimeOffset.UtcNow,
                LastIntegration = GridIntegration.RulesMissing,
            });
            gridDb.DeviceCredentials.Add(new DeviceCredential
            {
                EvseId = evse.Id,
                Kind = DeviceIdentityKind.PortalIssued,
                Lfdi = identity.Lfdi,
                Sfdi = identity.Sfdi,
                ProtectedCertificate = certificates[i].Protected,
                UpdatedAt = DateTimeOffset.UtcNow,
            });
            chargers.Add((evse.Id, secret, car.Identifier, car.Id));
        }

        await db.SaveChangesAsync();
        await gridDb.SaveChangesAsync();
        Console.WriteLine($"Seeded {n:N0} bound chargers with their cars.");
        return (chargers, program.Id, apiKey);
    }

    private static async Task<Outcome> BareAsync(int n, bool messagePack, int rounds, bool ocpp)
    {
        using var process = Harness.StartServer("bare-hub");
        try
        {
            var url = new Uri(await Harness.AnnouncedAsync(process, "URL"));
            var acks = new ConcurrentDictionary<int, double>();
            var stops = new ConcurrentBag<double>();
            long started = 0;
            await using var fleet = ocpp
                ? await LoadFleet.ConnectAsync("bare-ocpp", url, LoadClient.AnonymousStations(n))
                : await LoadFleet.ConnectAsync("bare", url, LoadClient.Anonymous(n), messagePack);
            fleet.OnAck = (i, at) => acks.TryAdd(i, LoadFleet.Ms(Volatile.Read(ref started), at));
            fleet.OnStop = (_, at) => stops.Add(LoadFleet.Ms(Volatile.Read(ref started), at));
            using var http = new HttpClient { BaseAddress = url };
            var results = new List<(Latencies Ack, Latencies Stop)>();
            for (var round = 1; round <= rounds; round++)
            {
                if (round > 1)
                {
                    await Harness.Pause(5);
                }

                acks.Clear();
                stops.Clear();
                Volatile.Write(ref started, Stopwatch.GetTimestamp());
                (await http.PostAsync(ocpp ? "/fanout-ocpp" : "/fanout", null)).EnsureSuccessStatusCode();
                await UntilAsync(() => acks.Count >= n, TimeSpan.FromMinutes(2), () => $"bare acks {acks.Count}/{n}");
                var ack = Latencies.Of(acks.Values);
                Volatile.Write(ref started, Stopwatch.GetTimestamp());
                (await http.PostAsync(ocpp ? "/stop-ocpp" : "/stop", null)).EnsureSuccessStatusCode();
                await UntilAsync(() => stops.Count >= n, TimeSpan.FromMinutes(2), () => $"bare stops {stops.Count}/{n}");
                results.Add((ack, Latencies.Of(stops)));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Bare fan-out, round {round}: last ack {ack.Last:0} ms, p99 {ack.P99:0} ms"));
            }

            return new Outcome(results[0].Ack, results[0].Stop) { Later = [.. results.Skip(1).Select(r => r.Ack)] };
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
