using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

[assembly: AssemblyFixture(typeof(Kitu.V2X.Portal.E2E.PortalFixture))]
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Kitu.V2X.Portal.E2E;

/// <summary>
/// Starts the real portal as its own process (Kestrel on a free loopback port, a fresh temporary data directory,
/// demo mode on) and a headless Debian Chromium, once for the whole run.
/// </summary>
public sealed class PortalFixture : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private readonly StringBuilder log = new();
    private Process? portal;
    private IPlaywright? playwright;

    public string BaseUrl { get; private set; } = "";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "kitu-e2e", Guid.NewGuid().ToString("N"));

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Where screenshots go; test.sh keeps them, and the README ones are copied from here.</summary>
    public static string ArtifactsDirectory { get; } = Path.Combine(RepositoryRoot(), "e2e", "artifacts");

    public string PortalLog
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ArtifactsDirectory);
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        StartPortal(port);
        await WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (portal is { HasExited: false })
        {
            portal.Kill(entireProcessTree: true);
            await portal.WaitForExitAsync();
        }

        portal?.Dispose();
        await File.WriteAllTextAsync(Path.Combine(ArtifactsDirectory, "portal.log"), PortalLog); // for a failed run's post-mortem
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A fresh browser context (own cookies) with the given viewport; phone-sized by default.</summary>
    public async Task<IPage> NewPageAsync(int width = 375, int height = 812)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, BaseURL = BaseUrl });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    private void StartPortal(int port)
    {
        var root = RepositoryRoot();
        var configuration = typeof(PortalFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var projectDirectory = Path.Combine(root, "Kitu.V2X.Portal");
        var dll = Path.Combine(projectDirectory, "bin", configuration, "net10.0", "Kitu.V2X.Portal.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The portal is not built at {dll}; build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = projectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Storage__DataDirectory"] = DataDirectory;
        start.Environment["Demo__Enabled"] = "true";
        start.Environment["Sandbox__Enabled"] = "true";
        start.Environment["Sandbox__Port"] = "0";
        start.Environment["Accounts__AttemptsPerMinute"] = "1000"; // every test logs in from 127.0.0.1; the limit has tests of its own
        portal = Process.Start(start) ?? throw new InvalidOperationException("Could not start the portal.");
        portal.OutputDataReceived += (_, e) => Append(e.Data);
        portal.ErrorDataReceived += (_, e) => Append(e.Data);
        portal.BeginOutputReadLine();
        portal.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (portal!.HasExited)
            {
                throw new InvalidOperationException($"The portal exited with code {portal.ExitCode}:\n{PortalLog}");
            }

            try
            {
                if ((await http.GetAsync($"{BaseUrl}/readyz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The portal was not ready within {timeout}:\n{PortalLog}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kitu.V2X.Portal.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find Kitu.V2X.Portal.sln above " + AppContext.BaseDirectory);
    }
}
