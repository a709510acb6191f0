using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Kitu.V2X.Portal.Health;
using Kitu.V2X.Portal.Simulation;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// <c>connections</c>: server memory per live EVSE connection — the real portal (EVSE hub, credentials, registry) against
/// a bare SignalR hub (no logic) with the same number of plain WebSocket clients, each in its own server process, each
/// measured after forced full collections before and after connecting. Reports the ratio. With <c>--ocpp</c>: idle
/// OCPP 2.1 stations on the portal's gateway (booted, connector reported) against a bare WebSocket server that answers
/// each call with an empty result.
/// </summary>
internal static class ConnectionsLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var n = args.Contains("--quick") ? 200 : Harness.Int(args, "--evses", 1_000);
        var tls = args.Contains("--tls");
        var ocpp = args.Contains("--ocpp");
        var portal = await PortalAsync(n, tls, ocpp);
        var bare = await BareAsync(n, tls, ocpp);
        var heapRatio = portal.HeapPerConnection / bare.HeapPerConnection;
        var wsRatio = portal.WorkingSetPerConnection / bare.WorkingSetPerConnection;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            | connections ({(ocpp ? "OCPP 2.1, " : "")}{(tls ? "TLS" : "plain")} WebSockets), N = {n:N0} | heap per connection | working set per connection | connect time |
            |---|---:|---:|---:|
            | portal {(ocpp ? "OCPP gateway" : "EVSE hub")} | {portal.HeapPerConnection / 1024:0.0} KiB | {portal.WorkingSetPerConnection / 1024:0.0} KiB | {portal.ConnectSeconds:0.0} s |
            | {(ocpp ? "bare WebSocket server" : "bare hub")} (baseline) | {bare.HeapPerConnection / 1024:0.0} KiB | {bare.WorkingSetPerConnection / 1024:0.0} KiB | {bare.ConnectSeconds:0.0} s |
            | ratio | {heapRatio:0.00}× | {wsRatio:0.00}× | |
            """));
        BenchResults.Record($"{(ocpp ? "connections-ocpp" : tls ? "connections-tls" : "connections")}-{n}", new { n, tls, ocpp, portal, bare, heapRatio, workingSetRatio = wsRatio }, args.Contains("--quick"));
        return 0;
    }

    private static async Task<Result> PortalAsync(int n, bool tls, bool ocpp)
    {
        var dir = Directory.CreateTempSubdirectory("kitu-bench-portal-").FullName;
        try
        {
            await using var portal = await PortalProcess.StartAsync(dir, tls: tls);
            using var http = portal.CreateClient();
            var chargers = await SimulateCommand.ProvisionAsync([$"--Storage:DataDirectory={dir}"], n, ocpp);
            var before = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            var clock = Stopwatch.StartNew();
            await using var fleet = await LoadFleet.ConnectAsync(ocpp ? "ocpp" : "portal", portal.Url, chargers.Select(c => new LoadClient(c.Id, c.Secret, null, c.StationId)).ToList(), thumbprint: portal.Certificate?.GetCertHashString());
            clock.Stop();
            var after = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            return new Result((after!.HeapBytes - before!.HeapBytes) / (double)n, (after.WorkingSetBytes - before.WorkingSetBytes) / (double)n, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Harness.TryDelete(dir);
        }
    }

    private static async Task<Result> BareAsync(int n, bool tls, bool ocpp)
    {
        string[] child = ["bare-hub"];
        string? thumbprint = null;
        var pfxPath = Path.Combine(Path.GetTempPath(), $"kitu-bench-bare-{Guid.NewGuid():N}.pfx");
        if (tls)
        {
            var (certificate, pfx) = PortalProcess.BenchCertificate();
            await File.WriteAllBytesAsync(pfxPath, pfx);
            child = [.. child, "--tls", pfxPath];
            thumbprint = certificate.GetCertHashString();
        }

        using var process = Harness.StartServer(child);
        try
        {
            var url = new Uri(await Harness.AnnouncedAsync(process, "URL"));
            using var http = PortalProcess.Create(url, Harness.Pin(thumbprint));
            var before = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            var clock = Stopwatch.StartNew();
            await using var fleet = ocpp
                ? await LoadFleet.ConnectAsync("bare-ocpp", url, LoadClient.AnonymousStations(n, plugged: false))
                : await LoadFleet.ConnectAsync("bare", url, LoadClient.Anonymous(n), thumbprint: thumbprint);
            clock.Stop();
            var after = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            return new Result((after!.HeapBytes - before!.HeapBytes) / (double)n, (after.WorkingSetBytes - before.WorkingSetBytes) / (double)n, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            File.Delete(pfxPath);
        }
    }

    private sealed record Result(double HeapPerConnection, double WorkingSetPerConnection, double ConnectSeconds);
}
