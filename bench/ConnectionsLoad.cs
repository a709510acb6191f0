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
        var n = args.Contains("--quick") ? 200 : Int(args, "--evses", 1_000);
        var portal = await PortalAsync(n);
        var bare = await BareAsync(n);
        var heapRatio = portal.HeapPerConnection / bare.HeapPerConnection;
        var wsRatio = portal.WorkingSetPerConnection / bare.WorkingSetPerConnection;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            | connections (plain WebSockets), N = {n:N0} | heap per connection | working set per connection | connect time |
            |---|---:|---:|---:|
            | portal EVSE hub | {portal.HeapPerConnection / 1024:0.0} KiB | {portal.WorkingSetPerConnection / 1024:0.0} KiB | {portal.ConnectSeconds:0.0} s |
            | bare hub (baseline) | {bare.HeapPerConnection / 1024:0.0} KiB | {bare.WorkingSetPerConnection / 1024:0.0} KiB | {bare.ConnectSeconds:0.0} s |
            | ratio | {heapRatio:0.00}× | {wsRatio:0.00}× | |
            """));
        BenchResults.Record("connections", new { n, portal, bare, heapRatio, workingSetRatio = wsRatio }, args.Contains("--quick"));
        return 0;
    }

    /// <summary>The child process for the baseline: a bare hub and the same memory endpoint.</summary>
    public static async Task<int> ServeBareHubAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Int(args, "--port", 0)));
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<BareHub>("/hub");
        app.MapGet("/diagnostics/memory", () => Results.Ok(Memory.Measure()));
        await app.StartAsync();
        Console.WriteLine($"URL={app.Urls.First()}");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    private static async Task<Result> PortalAsync(int n)
    {
        var dir = Directory.CreateTempSubdirectory("kitu-bench-portal-").FullName;
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var dll = Path.Combine(AppContext.BaseDirectory, "Kitu.V2X.Portal.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", url.ToString()]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        foreach (var (k, v) in new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Storage__DataDirectory"] = dir,
            ["Demo__Enabled"] = "true",
            ["Sandbox__Enabled"] = "false",
            ["Simulation__Enabled"] = "false",
            ["Diagnostics__Memory"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        })
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = url };
            await WaitReadyAsync(http, "/readyz");
            var chargers = await SimulateCommand.ProvisionAsync([$"--Storage:DataDirectory={dir}"], n);
            var before = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            var evses = chargers.Select(c => new VirtualEvse(c.Id, c.Secret, url, 22, null, TimeProvider.System, TimeSpan.FromMinutes(10))).ToList();
            var clock = Stopwatch.StartNew();
            await ForAllAsync(evses, e => e.StartAsync(CancellationToken.None));
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
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            TryDelete(dir);
        }
    }

    private static async Task<Result> BareAsync(int n)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ConnectionsLoad).Assembly.Location);
        }

        start.ArgumentList.Add("bare-hub");
        using var process = Process.Start(start)!;
        try
        {
            Uri? url = null;
            while (url is null && await process.StandardOutput.ReadLineAsync() is { } line)
            {
                url = line.StartsWith("URL=", StringComparison.Ordinal) ? new Uri(line[4..]) : null;
            }

            using var http = new HttpClient { BaseAddress = url };
            var before = await http.GetFromJsonAsync<Memory.Reading>("/diagnostics/memory");
            var connections = Enumerable.Range(0, n).Select(_ => new HubConnectionBuilder()
                .WithUrl(new Uri(url!, "/hub"), HttpTransportType.WebSockets, o => o.SkipNegotiation = true).Build()).ToList();
            var clock = Stopwatch.StartNew();
            // Like an EVSE after connecting: two small invocations (hello, status), so both sides have talked.
            await ForAllAsync(connections, async c =>
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
        }
    }

    private static async Task ForAllAsync<T>(IEnumerable<T> items, Func<T, Task> start)
    {
        using var gate = new SemaphoreSlim(64);
        await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                await start(item);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task WaitReadyAsync(HttpClient http, string path)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if ((await http.GetAsync(path)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The portal did not become ready within 60 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // a file still held; the temp cleaner takes it
        }
    }

    private static int Int(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    private sealed record Result(double HeapPerConnection, double WorkingSetPerConnection, double ConnectSeconds);

    /// <summary>The baseline: a hub with no logic that accepts a report.</summary>
    private sealed class BareHub : Hub
    {
        public Task Report(string payload) => Task.CompletedTask;
    }
}
