using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// The real portal as its own process (Production settings, SQLite in a temporary data directory, demo accounts,
/// memory diagnostics on), started from the build output next to the harness. Killed with its children on dispose.
/// </summary>
internal sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process process;

    private PortalProcess(Process process, Uri url)
    {
        this.process = process;
        Url = url;
    }

    public Uri Url { get; }

    public int Id => process.Id;

    public static async Task<PortalProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? settings = null)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var dll = Path.Combine(AppContext.BaseDirectory, "Kitu.V2X.Portal.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", url.ToString()]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Storage__DataDirectory"] = dataDirectory,
            ["Demo__Enabled"] = "true",
            ["Sandbox__Enabled"] = "false",
            ["Simulation__Enabled"] = "false",
            ["Diagnostics__Memory"] = "true",
            ["Api__RequestsPerMinute"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
        {
            environment[k] = v;
        }

        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }

        var echo = Environment.GetEnvironmentVariable("KITU_BENCH_PORTAL_LOG") is { Length: > 0 };
        if (echo)
        {
            start.Environment["Logging__LogLevel__Kitu.V2X.Portal.Workers"] = Environment.GetEnvironmentVariable("KITU_BENCH_PORTAL_LOG");
            start.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (echo && e.Data is { Length: > 0 } line)
            {
                Console.WriteLine($"[portal] {line}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine($"[portal] {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var portal = new PortalProcess(process, url);
        using var http = new HttpClient { BaseAddress = url };
        await WaitReadyAsync(http, process);
        return portal;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitReadyAsync(HttpClient http, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The portal exited with code {process.ExitCode}.");
            }

            try
            {
                if ((await http.GetAsync("/readyz")).IsSuccessStatusCode)
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

        throw new TimeoutException("The portal did not become ready within 3 minutes.");
    }
}
