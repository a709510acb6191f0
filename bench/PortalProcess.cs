using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Kitu.V2X.Portal.Domain.GridSecurity;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// The real portal as its own process (Production settings, SQLite in a temporary data directory, demo accounts,
/// memory diagnostics on), started from the build output next to the harness. Killed with its children on dispose.
/// </summary>
internal sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process process;

    private PortalProcess(Process process, Uri url, X509Certificate2? certificate)
    {
        this.process = process;
        Url = url;
        Certificate = certificate;
    }

    public Uri Url { get; }

    /// <summary>The server certificate when the portal listens on https (the harness's own; clients pin it).</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>Accepts exactly the portal's own certificate.</summary>
    public RemoteCertificateValidationCallback? ValidateServer =>
        Harness.Pin(Certificate?.GetCertHashString());

    public HttpClient CreateClient() => Create(Url, ValidateServer);

    private int disposed;

    public int Id => process.Id;

    /// <param name="at">Listen here (a restart on the same address); a free port when null.</param>
    public static async Task<PortalProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? settings = null, bool tls = false, Uri? at = null)
    {
        X509Certificate2? certificate = null;
        var tlsSettings = new Dictionary<string, string>();
        if (tls)
        {
            (certificate, var pfx) = BenchCertificate();
            var path = Path.Combine(dataDirectory, "bench-https.pfx");
            await File.WriteAllBytesAsync(path, pfx);
            tlsSettings["Kestrel__Certificates__Default__Path"] = path;
        }

        var url = at ?? new Uri($"{(tls ? "https" : "http")}://127.0.0.1:{FreePort()}");
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
            ["Security__CookiesOverHttpsOnly"] = "false", // a production portal, but over loopback HTTP: the driver's stop signs in with a cookie
            ["Accounts__AttemptsPerMinute"] = "1000",
        };
        foreach (var (k, v) in BenchStorage.Environment(dataDirectory).Concat(tlsSettings).Concat(settings ?? new Dictionary<string, string>()))
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
            start.Environment["Logging__LogLevel__Kitu.V2X.Portal.Discharge"] = Environment.GetEnvironmentVariable("KITU_BENCH_PORTAL_LOG");
            start.Environment["Logging__LogLevel__Kitu.V2X.Portal.Grid.GridClientWorker"] = "Information"; // when the grid sessions are loaded
            start.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        }

        var process = Harness.Track(Process.Start(start)!);
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
        var portal = new PortalProcess(process, url, certificate);
        using var http = portal.CreateClient();
        await WaitReadyAsync(http, process);
        return portal;
    }

    /// <summary>A throwaway server certificate for localhost (P-256), with its PKCS#12.</summary>
    public static (X509Certificate2 Certificate, byte[] Pkcs12) BenchCertificate()
    {
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var authority = Certificates.CreateAuthority("Bench HTTPS CA", from, TimeSpan.FromDays(7));
        var server = Certificates.IssueServer(authority, "localhost", from, TimeSpan.FromDays(7));
        return (server, Certificates.ExportWithKey(server));
    }

    public static HttpClient Create(Uri url, RemoteCertificateValidationCallback? validate)
    {
        var handler = new SocketsHttpHandler();
        if (validate is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = validate;
        }

        return new HttpClient(handler) { BaseAddress = url };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

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
