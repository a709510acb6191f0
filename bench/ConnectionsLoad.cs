using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Kitu.V2X.Portal.Health;
using Kitu.V2X.Portal.Simulation;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// <c>connections</c>: server memory per live EVSE connection — the real portal (EVSE hub, credentials, registry) against
/// a bare SignalR hub (no logic) with the same number of plain WebSocket clients, each in its own server process, each
/// measured after forced full collections before and after connecting. Reports the ratio.
/// </summary>
internal static class ConnectionsLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var n = args.Contains("--quick") ? 200 : Harness.Int(args, "--evses", 1_000);
        var tls = args.Contains("--tls");
        var portal = await PortalAsync(n, tls);
        var bare = await BareAsync(n, tls);
        var heapRatio = portal.HeapPerConnection / bare.HeapPerConnection;
        var wsRatio = portal.WorkingSetPerConnection / bare.WorkingSetPerConnection;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            | connections ({(tls ? "TLS" : "plain")} WebSockets), N = {n:N0} | heap per connection | working set per connection | connect time |
            |---|---:|---:|---:|
            | portal EVSE hub | {portal.HeapPerConnection / 1024:0.0} KiB | {portal.WorkingSetPerConnection / 1024:0.0} KiB | {portal.ConnectSeconds:0.0} s |
            | bare hub (baseline) | {bare.HeapPerConnection / 1024:0.0} KiB | {bare.WorkingSetPerConnection / 1024:0.0} KiB | {bare.ConnectSeconds:0.0} s |
            | ratio | {heapRatio:0.00}× | {wsRatio:0.00}× | |
            """));
        BenchResults.Record(tls ? "connections-tls" : "connections", new { n, tls, portal, bare, heapRatio, workingSetRatio = wsRatio }, args.Contains("--quick"));
        return 0;
    }

    /// <summary>The child process for the baseline: a bare hub and the same memory endpoint.</summary>
    public static async Task<int> ServeBareHubAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var pfx = Array.IndexOf(args, "--tls") is var t and >= 0 ? args[t + 1] : null;
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Harness.Int(args, "--port", 0), listen =>
        {
            if (pfx is not null)
            {
                listen.UseHttps(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(pfx, null));
            }
        }));
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<BareHub>("/hub");
        app.MapGet("/diagnostics/memory", () => Results.Ok(Memory.Measure()));
        await app.StartAsync();
        Console.WriteLine($"URL={app.Urls.First()}");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    private static async Task<Result> PortalAsync(int n, bool tls)
    {
        var dir = Directory.CreateTempSubdirectory("kitu-bench-portal-").FullName;
        try
        {
            await using var portal = await PortalProcess.StartAsync(dir, tls: tls);
            using var http = portal.CreateClient();
            var chargers = await SimulateCommand.ProvisionAsync([$"--Storage:DataDirectory={dir}"], n);
            var before = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            var evses = chargers.Select(c => new VirtualEvse(c.Id, c.Secret, portal.Url, 22, null, TimeProvider.System, TimeSpan.FromMinutes(10), validateServer: portal.ValidateServer)).ToList();
            var clock = Stopwatch.StartNew();
            await Harness.ForAllAsync(evses, e => e.StartAsync(CancellationToken.None));
            clock.Stop();
            var after = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            foreach (var e in evses)
            {
                await e.DisposeAsync();
            }

            return new Result((after!.HeapBytes - before!.HeapBytes) / (double)n, (after.WorkingSetBytes - before.WorkingSetBytes) / (double)n, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Harness.TryDelete(dir);
        }
    }

    private static async Task<Result> BareAsync(int n, bool tls)
    {
        string[] child = ["bare-hub"];
        System.Net.Security.RemoteCertificateValidationCallback? validate = null;
        var pfxPath = Path.Combine(Path.GetTempPath(), $"kitu-bench-bare-{Guid.NewGuid():N}.pfx");
        if (tls)
        {
            var (certificate, pfx) = PortalProcess.BenchCertificate();
            await File.WriteAllBytesAsync(pfxPath, pfx);
            child = [.. child, "--tls", pfxPath];
            var thumbprint = certificate.GetCertHashString();
            validate = (_, presented, _, _) => presented?.GetCertHashString() == thumbprint;
        }

        using var process = Harness.StartChild(child);
        try
        {
            var url = new Uri(await Harness.AnnouncedAsync(process, "URL"));

            using var http = PortalProcess.Create(url, validate);
            var before = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            var connections = Enumerable.Range(0, n).Select(_ => new HubConnectionBuilder()
                .WithUrl(new Uri(url, "/hub"), HttpTransportType.WebSockets, o =>
                {
                    o.SkipNegotiation = true;
                    if (validate is not null)
                    {
                        o.WebSocketConfiguration = ws => ws.RemoteCertificateValidationCallback = validate;
                    }
                }).Build()).ToList();
            var clock = Stopwatch.StartNew();
            // Like an EVSE after connecting: two small invocations (hello, status), so both sides have talked.
            await Harness.ForAllAsync(connections, async c =>
            {
                await c.StartAsync();
                await c.InvokeAsync("Report", new string('h', 120));
                await c.InvokeAsync("Report", new string('s', 160));
            });
            clock.Stop();
            var after = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            foreach (var c in connections)
            {
                await c.DisposeAsync();
            }

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

    /// <summary>The baseline: a hub with no logic that accepts a report.</summary>
    private sealed class BareHub : Hub
    {
        public Task Report(string payload) => Task.CompletedTask;
    }
}
