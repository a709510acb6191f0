using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Kitu.V2X.Portal.Api;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Health;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// <c>cluster</c>: N EVSE links over several portal instances (processes) on one PostgreSQL and one Redis, as deployed
/// past one machine — the chargers split evenly over the instances, each instance seeing every link through the link
/// bridge, one of them running the mediator and the 2030.5 sessions — against as many bare hubs holding the same split.
/// Measures each instance's memory per link it holds (after forced full collections, before and after connecting) and
/// one event to all N, dispatched through another instance's API (its last ack), then a later one.
/// </summary>
internal static partial class FanOutLoad
{
    public static async Task<int> ClusterAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var n = quick ? 300 : Harness.Int(args, "--evses", 50_000);
        var k = Harness.Int(args, "--instances", 3);
        BenchStorage.PostgreSql = true;
        // Beyond a quick run every process here is starved of CPU at times (run 7: load average 115 on two cores, and a
        // portal closed the links of a load process that had not answered its pings for 30 s). Links are kept 5 minutes
        // without a word, alike by the portals, the bare hubs and their clients (--link-timeout S to change, 0 for SignalR's 30 s).
        var linkTimeout = Harness.Int(args, "--link-timeout", quick ? 0 : 300);
        LoadFleet.LinkTimeout = linkTimeout > 0 ? TimeSpan.FromSeconds(linkTimeout) : null;
        Console.WriteLine($"cluster: N = {n:N0} over {k} instances (PostgreSQL, Redis)");
        using var redis = StartRedis(out var redisConfiguration);
        try
        {
            var portal = await ClusterPortalAsync(n, k, redisConfiguration);
            var bare = await ClusterBareAsync(n, k);
            var table = string.Create(CultureInfo.InvariantCulture, $"""

                | cluster, N = {n:N0} over {k} instances | heap per link | working set per link | connect | first event: last ack | p99 | later event: last ack | p99 |
                |---|---:|---:|---:|---:|---:|---:|---:|
                | portal instances (each: its own links, and the others' seen through the bridge) | {portal.HeapPerLink / 1024:0.0} KiB | {portal.WorkingSetPerLink / 1024:0.0} KiB | {portal.ConnectSeconds:0} s | {portal.First.Last:0} ms | {portal.First.P99:0} ms | {portal.Later.Last:0} ms | {portal.Later.P99:0} ms |
                | {k} bare hubs (baseline) | {bare.HeapPerLink / 1024:0.0} KiB | {bare.WorkingSetPerLink / 1024:0.0} KiB | {bare.ConnectSeconds:0} s | {bare.First.Last:0} ms | {bare.First.P99:0} ms | {bare.Later.Last:0} ms | {bare.Later.P99:0} ms |
                | ratio | {portal.HeapPerLink / bare.HeapPerLink:0.00}× | {portal.WorkingSetPerLink / bare.WorkingSetPerLink:0.00}× | | {portal.First.Last / bare.First.Last:0.00}× | {portal.First.P99 / bare.First.P99:0.00}× | {portal.Later.Last / bare.Later.Last:0.00}× | {portal.Later.P99 / bare.Later.P99:0.00}× |

                Per instance (links held / seen, heap and working set per link held): {string.Join("; ", portal.Instances.Select(i => string.Create(CultureInfo.InvariantCulture, $"{i.Name} {i.Here:N0}/{i.Links:N0}, {i.HeapPerLink / 1024:0.0} / {i.WorkingSetPerLink / 1024:0.0} KiB")))}.
                """);
            Console.WriteLine(table);
            BenchResults.Record($"cluster-{n}", new Dictionary<string, object>
            {
                ["n"] = n,
                ["instances"] = k,
                ["portal"] = portal,
                ["bare"] = bare,
                ["heapRatio"] = portal.HeapPerLink / bare.HeapPerLink,
                ["workingSetRatio"] = portal.WorkingSetPerLink / bare.WorkingSetPerLink,
                ["lastAckRatio"] = portal.First.Last / bare.First.Last,
                ["laterLastAckRatio"] = portal.Later.Last / bare.Later.Last,
            }, quick);
            return 0;
        }
        finally
        {
            redis.Kill(entireProcessTree: true);
        }
    }

    private static async Task<ClusterOutcome> ClusterPortalAsync(int n, int k, string redis)
    {
        var dir = Directory.CreateTempSubdirectory("kitu-bench-cluster-").FullName;
        Process? sandbox = null;
        var portals = new List<PortalProcess>();
        var fleets = new List<LoadFleet>();
        try
        {
            await (await PortalProcess.StartAsync(dir)).DisposeAsync(); // migrates the stores, seeds the demo accounts
            var (chargers, programId, apiKey) = await SeedAsync(dir, n, async devicePem =>
            {
                var from = DateTimeOffset.UtcNow.AddDays(-1);
                var utilityCa = Certificates.CreateAuthority("Bench Utility CA", from, TimeSpan.FromDays(7));
                await File.WriteAllBytesAsync(Path.Combine(dir, "server.pfx"), Certificates.ExportWithKey(Certificates.IssueServer(utilityCa, "localhost", from, TimeSpan.FromDays(7))));
                await File.WriteAllTextAsync(Path.Combine(dir, "device-ca.pem"), devicePem);
                sandbox = GridSessionsLoad.StartSandbox(dir, 900);
                var port = await GridSessionsLoad.ReadPortAsync(sandbox);
                return new Domain.GridSecurity.ApprovedServer { Name = "Bench sandbox", UtilityName = Demo.DemoSites.Utility, DeviceCapabilityUrl = $"https://localhost:{port}/dcap", TrustAnchorPem = utilityCa.ExportCertificatePem() };
            });

            for (var i = 0; i < k; i++)
            {
                portals.Add(await PortalProcess.StartAsync(dir, new Dictionary<string, string>
                {
                    ["Redis__Configuration"] = redis,
                    ["Instance__Id"] = $"bench-{i + 1}",
                    ["ScaleOut__LeaseSeconds"] = "6", // the seeding start's leases (killed, not stopped) expire soon
                    ["Grid__IdleConnectionSeconds"] = "2",
                    ["Evse__ClientTimeoutSeconds"] = LoadFleet.LinkTimeout is { } timeout ? $"{(int)timeout.TotalSeconds}" : "30",
                    // Three instances, two stores each, on one server's max_connections (bench/postgres.sh: 300).
                    ["ConnectionStrings__Portal"] = BenchStorage.ConnectionString(dir, "portal") + ";Maximum Pool Size=40",
                    ["ConnectionStrings__Grid"] = BenchStorage.ConnectionString(dir, "grid") + ";Maximum Pool Size=40",
                }));
            }

            // The instance holding the grid lease starts the N 2030.5 sessions (each a TLS walk of the sandbox's
            // resources); the chargers connect once every binding is integrated, so that the connect time is the links'.
            var walk = Stopwatch.StartNew();
            await using (var grid = new Data.GridDbContext(new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<Data.GridDbContext>().UseStore(Data.StorageProvider.PostgreSql, BenchStorage.ConnectionString(dir, "grid")).Options))
            {
                int integrated;
                while ((integrated = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(grid.GridBindings, b => b.LastIntegration == GridIntegration.Integrated)) < n)
                {
                    if (walk.Elapsed > TimeSpan.FromMinutes(10 + (n / 2_000)))
                    {
                        throw new TimeoutException($"Only {integrated:N0} of {n:N0} bindings were integrated within {walk.Elapsed.TotalMinutes:0} minutes.");
                    }

                    Console.Write($"\r2030.5 sessions integrated: {integrated:N0}/{n:N0} after {walk.Elapsed.TotalSeconds:0} s   ");
                    await Task.Delay(2000);
                }
            }

            Console.WriteLine($"\nAll {n:N0} sessions integrated after {walk.Elapsed.TotalSeconds:0} s.");
            var clients = portals.Select(p => p.CreateClient()).ToList();
            var before = new List<Memory.Reading>();
            foreach (var http in clients)
            {
                before.Add((await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory"))!);
            }

            var acks = new ConcurrentDictionary<int, double>();
            long started = 0;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < k; i++)
            {
                var from = i * n / k;
                var slice = chargers.Skip(from).Take(((i + 1) * n / k) - from).Select(c => new LoadClient(c.Id, c.Secret, c.Vehicle)).ToList();
                Console.WriteLine($"Connecting {slice.Count:N0} EVSEs to instance {i + 1} ({portals[i].Url})…");
                // A gentler ramp than a single portal's: 16 connects in flight per load process, so a loaded instance is not left
                // holding the sockets of connects its chargers gave up on (each instance's links sit near this machine's
                // 20,000 file descriptors).
                var fleet = await LoadFleet.ConnectAsync("portal", portals[i].Url, slice, limit: TimeSpan.FromMinutes(10 + (slice.Count / 2_000)), parallel: 16);
                fleet.OnAck = (j, at) => acks.TryAdd(from + j, LoadFleet.Ms(Volatile.Read(ref started), at));
                fleets.Add(fleet);
            }

            var connectSeconds = clock.Elapsed.TotalSeconds;
            var ramp = Stopwatch.StartNew();
            while (fleets.Sum(f => f.Integrated) < n)
            {
                if (ramp.Elapsed > TimeSpan.FromMinutes(10 + (n / 2_000)))
                {
                    throw new TimeoutException("The EVSEs were not all told integrated grid rules in time.");
                }

                await Task.Delay(1000);
                Console.Write($"\rIntegrated: {fleets.Sum(f => f.Integrated):N0}/{n:N0} after {ramp.Elapsed.TotalSeconds:0} s   ");
            }

            Console.WriteLine();
            await Harness.Pause(3); // the last statuses cross the bridge
            var instances = new List<ClusterInstance>();
            for (var i = 0; i < k; i++)
            {
                var after = (await clients[i].GetFromJsonAsync<Memory.Reading>("/diagnostics/memory"))!;
                var links = await clients[i].GetFromJsonAsync<System.Text.Json.JsonElement>("/diagnostics/links");
                var here = links.GetProperty("here").GetInt32();
                instances.Add(new ClusterInstance($"bench-{i + 1}", here, links.GetProperty("links").GetInt32(), (after.HeapBytes - before[i].HeapBytes) / (double)here, (after.WorkingSetBytes - before[i].WorkingSetBytes) / (double)here));
            }

            // Dispatched through the last instance's API; the mediator runs on the first (it took the lease first).
            using var api = PortalProcess.Create(portals[^1].Url, null);
            api.DefaultRequestHeaders.Add(ApiKeyAuthentication.Header, apiKey);
            var rounds = new List<Latencies>();
            for (var round = 1; round <= 2; round++)
            {
                acks.Clear();
                Volatile.Write(ref started, Stopwatch.GetTimestamp());
                var created = await api.PostAsJsonAsync("/api/v1/events", new { programId, durationMinutes = 30, kwPerVehicle = 5 });
                created.EnsureSuccessStatusCode();
                var eventId = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
                await UntilAsync(() => acks.Count >= n, TimeSpan.FromMinutes(10), () => $"round {round}: acks {acks.Count:N0}/{n:N0}");
                rounds.Add(Latencies.Of(acks.Values));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Cluster fan-out, round {round}: last ack {rounds[^1].Last:0} ms, p99 {rounds[^1].P99:0} ms"));
                await Harness.Pause(5);
                (await api.PostAsync($"/api/v1/events/{eventId}/cancel", null)).EnsureSuccessStatusCode();
                await Harness.Pause(10 + (n / 5_000), quickSeconds: 3); // the stops go out and the commands end
            }

            return new ClusterOutcome(instances.Average(i => i.HeapPerLink), instances.Average(i => i.WorkingSetPerLink), connectSeconds, rounds[0], rounds[1]) { Instances = instances };
        }
        finally
        {
            foreach (var fleet in fleets)
            {
                await fleet.DisposeAsync();
            }

            foreach (var portal in portals)
            {
                await portal.DisposeAsync();
            }

            sandbox?.Kill(entireProcessTree: true);
            Harness.TryDelete(dir);
        }
    }

    /// <summary>The baseline: <paramref name="k"/> bare hubs, each with its share of the N clients, sent to all at once.</summary>
    private static async Task<ClusterOutcome> ClusterBareAsync(int n, int k)
    {
        var hubs = new List<Process>();
        var fleets = new List<LoadFleet>();
        try
        {
            var urls = new List<Uri>();
            for (var i = 0; i < k; i++)
            {
                hubs.Add(LoadFleet.LinkTimeout is { } timeout ? Harness.StartServer("bare-hub", "--link-timeout", $"{(int)timeout.TotalSeconds}") : Harness.StartServer("bare-hub"));
                urls.Add(new Uri(await Harness.AnnouncedAsync(hubs[^1], "URL")));
            }

            var clients = urls.Select(u => new HttpClient { BaseAddress = u }).ToList();
            var before = new List<Memory.Reading>();
            foreach (var http in clients)
            {
                before.Add((await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory"))!);
            }

            var acks = new ConcurrentDictionary<int, double>();
            long started = 0;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < k; i++)
            {
                var from = i * n / k;
                var fleet = await LoadFleet.ConnectAsync("bare", urls[i], LoadClient.Anonymous(((i + 1) * n / k) - from));
                fleet.OnAck = (j, at) => acks.TryAdd(from + j, LoadFleet.Ms(Volatile.Read(ref started), at));
                fleets.Add(fleet);
            }

            var connectSeconds = clock.Elapsed.TotalSeconds;
            var perLink = new List<(double Heap, double WorkingSet)>();
            for (var i = 0; i < k; i++)
            {
                var after = (await clients[i].GetFromJsonAsync<Memory.Reading>("/diagnostics/memory"))!;
                var held = ((i + 1) * n / k) - (i * n / k);
                perLink.Add(((after.HeapBytes - before[i].HeapBytes) / (double)held, (after.WorkingSetBytes - before[i].WorkingSetBytes) / (double)held));
            }

            var rounds = new List<Latencies>();
            for (var round = 1; round <= 2; round++)
            {
                acks.Clear();
                Volatile.Write(ref started, Stopwatch.GetTimestamp());
                await Task.WhenAll(clients.Select(c => c.PostAsync("/fanout", null)));
                await UntilAsync(() => acks.Count >= n, TimeSpan.FromMinutes(5), () => $"bare round {round}: acks {acks.Count:N0}/{n:N0}");
                rounds.Add(Latencies.Of(acks.Values));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Bare hubs, round {round}: last ack {rounds[^1].Last:0} ms, p99 {rounds[^1].P99:0} ms"));
                await Task.WhenAll(clients.Select(c => c.PostAsync("/stop", null)));
                await Harness.Pause(5);
            }

            return new ClusterOutcome(perLink.Average(p => p.Heap), perLink.Average(p => p.WorkingSet), connectSeconds, rounds[0], rounds[1]);
        }
        finally
        {
            foreach (var fleet in fleets)
            {
                await fleet.DisposeAsync();
            }

            foreach (var hub in hubs)
            {
                hub.Kill(entireProcessTree: true);
                await hub.WaitForExitAsync();
            }
        }
    }

    /// <summary>A throwaway Redis on a free loopback port (<c>redis-server</c>, from the distribution's package).</summary>
    private static Process StartRedis(out string configuration)
    {
        var port = PortalProcess.FreePort();
        configuration = $"127.0.0.1:{port}";
        var process = Process.Start(new ProcessStartInfo("redis-server", ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server).");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return Harness.Track(process);
    }

    internal sealed record ClusterInstance(string Name, int Here, int Links, double HeapPerLink, double WorkingSetPerLink);

    internal sealed record ClusterOutcome(double HeapPerLink, double WorkingSetPerLink, double ConnectSeconds, Latencies First, Latencies Later)
    {
        public List<ClusterInstance> Instances { get; init; } = [];
    }
}
