using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kitu.V2X.Portal.Tests.Integration.Live;

/// <summary>
/// The portal as its own process (<c>dotnet Kitu.V2X.Portal.dll</c>, built with the tests), configured by environment
/// variables as a deployment would configure it, on a loopback port: several of them make a cluster, and one can be
/// killed as a machine dies (no clean stop). Its output goes to a file in <c>logs</c>, shown when a test fails.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process process;

    private PortalProcess(string name, Process process, Uri address, string log)
    {
        Name = name;
        this.process = process;
        Address = address;
        Log = log;
    }

    public string Name { get; }

    public Uri Address { get; }

    /// <summary>The file its output goes to.</summary>
    public string Log { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Starts one and waits until it is ready (both stores migrated, Redis answering).</summary>
    public static async Task<PortalProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings, string logs, CancellationToken ct)
    {
        var dll = PortalDll();
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}/");
        Directory.CreateDirectory(logs);
        var log = Path.Combine(logs, name + ".log");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", address.ToString().TrimEnd('/')])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var writer = new StreamWriter(log, append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var portal = new PortalProcess(name, process, address, log);

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Portal {name} exited with {process.ExitCode}:\n{portal.Tail()}");
            }

            try
            {
                if ((await http.GetAsync("/readyz", ct)).StatusCode == HttpStatusCode.OK)
                {
                    return portal;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // slow to answer
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"Portal {name} was not ready within 90 s:\n{portal.Tail()}");
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>Kills it at once, as a machine dies: no clean stop, no goodbye, its leases left to expire.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>The last lines of its output.</summary>
    public string Tail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return $"--- {Name} ---\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return $"--- {Name}: no output ({ex.Message}) ---";
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The portal as built with this test assembly (the same configuration).</summary>
    private static string PortalDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory); // …/Kitu.V2X.Portal.Tests/bin/<configuration>/net10.0/
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var root = here.Parent!.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(root, "Kitu.V2X.Portal", "bin", configuration, framework, "Kitu.V2X.Portal.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first (./test.sh does).", dll);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
