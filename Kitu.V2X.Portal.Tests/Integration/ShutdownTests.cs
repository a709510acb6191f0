using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace Kitu.V2X.Portal.Tests.Integration;

/// <summary>The portal as an operator runs it: its own process, stopped with SIGTERM as a service manager does.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_stops_a_busy_demo_portal_within_five_seconds_with_its_grid_rules_kept()
    {
        var ct = TestContext.Current.CancellationToken;
        var data = Directory.CreateTempSubdirectory("kitu-shutdown-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", $"http://127.0.0.1:{port}", $"--Storage:DataDirectory={data}", "--Sandbox:Port=0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(typeof(Program).Assembly.Location)!,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // demo mode: virtual chargers, sandbox, bound depot bays
        using var portal = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        portal.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        portal.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        portal.BeginOutputReadLine();
        portal.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var ready = Stopwatch.StartNew();
            while (!await ReadyAsync(http))
            {
                if (portal.HasExited)
                {
                    Assert.Fail($"the portal exited ({portal.ExitCode}):\n{string.Join('\n', output.TakeLast(40))}");
                }

                Assert.True(ready.Elapsed < TimeSpan.FromSeconds(120), $"the portal did not become ready:\n{string.Join('\n', output.TakeLast(40))}");
                await Task.Delay(250, ct);
            }

            await Task.Delay(TimeSpan.FromSeconds(8), ct); // the demo's chargers connect and the bound bays read their rules

            var clock = Stopwatch.StartNew();
            using (var kill = Process.Start("kill", ["-TERM", portal.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill!.WaitForExitAsync(ct);
            }

            await portal.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
            clock.Stop();
            TestContext.Current.SendDiagnosticMessage($"SIGTERM → exit: {clock.ElapsedMilliseconds} ms");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the portal took {clock.Elapsed.TotalSeconds:0.0} s to stop");
            Assert.Equal(0, portal.ExitCode);

            await using var grid = new SqliteConnection($"Data Source={Path.Combine(data, "grid.db")};Pooling=False");
            await grid.OpenAsync(ct);
            await using var count = grid.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM GridRulesSnapshots";
            Assert.True((long)(await count.ExecuteScalarAsync(ct))! > 0, "the rules in force were kept for the next start");
        }
        finally
        {
            if (!portal.HasExited)
            {
                portal.Kill(entireProcessTree: true);
            }

            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // the temp cleaner takes it
            }
        }
    }

    private static async Task<bool> ReadyAsync(HttpClient http)
    {
        try
        {
            return (await http.GetAsync("/readyz")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
