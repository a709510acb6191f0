using System.Diagnostics;
using System.Globalization;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Sandbox;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// <c>grid-sessions</c>: N 2030.5 client sessions (each its own device certificate and TLS connection, CCM8) against the
/// sandbox server at pollRate P, run by the grid module's scheduler. The sandbox runs in a child process so each
/// process stays under the machine's ~19,900 sockets. Reports the client process's CPU and memory in steady state.
/// </summary>
internal static class GridSessionsLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var sessions = Harness.Int(args, "--sessions", 10_000);
        var pollRate = Harness.Int(args, "--poll", 60);
        var steadySeconds = Harness.Int(args, "--seconds", 180);
        var concurrency = Harness.Int(args, "--concurrency", 64);
        var from = DateTimeOffset.UtcNow.AddDays(-1);
        var dir = Directory.CreateTempSubdirectory("kitu-bench-").FullName;

        var utilityCa = Certificates.CreateAuthority("Bench Utility CA", from, TimeSpan.FromDays(7));
        var deviceCa = Certificates.CreateAuthority("Bench Device CA", from, TimeSpan.FromDays(7));
        await File.WriteAllBytesAsync(Path.Combine(dir, "server.pfx"), Certificates.ExportWithKey(Certificates.IssueServer(utilityCa, "localhost", from, TimeSpan.FromDays(7))));
        await File.WriteAllTextAsync(Path.Combine(dir, "device-ca.pem"), deviceCa.ExportCertificatePem());

        using var sandbox = StartSandbox(dir, pollRate);
        var port = await ReadPortAsync(sandbox);
        Console.WriteLine($"Sandbox process {sandbox.Id} on port {port}; creating {sessions:N0} device certificates…");

        var server = new ApprovedServer { Name = "Bench sandbox", UtilityName = "Bench", DeviceCapabilityUrl = $"https://localhost:{port}/dcap", TrustAnchorPem = utilityCa.ExportCertificatePem() };
        var options = new GridOptions { MinimumPollSeconds = 10, RequestTimeoutSeconds = 30, IdleConnectionSeconds = pollRate * 2 };
        var integrated = 0;
        var failed = 0;
        long rulesPublished = 0;
        var states = new System.Collections.Concurrent.ConcurrentDictionary<Guid, GridIntegration>();
        using var scheduler = new GridSessionScheduler(concurrency, TimeProvider.System, rules =>
        {
            Interlocked.Increment(ref rulesPublished);
            var previous = states.GetValueOrDefault(rules.EvseId, GridIntegration.RulesMissing);
            states[rules.EvseId] = rules.Integration;
            if (previous != GridIntegration.Integrated && rules.Integration == GridIntegration.Integrated)
            {
                Interlocked.Increment(ref integrated);
            }
            else if (previous == GridIntegration.Integrated && rules.Integration != GridIntegration.Integrated)
            {
                Interlocked.Decrement(ref integrated);
            }

            if (rules.Integration == GridIntegration.Failed)
            {
                Interlocked.Increment(ref failed);
            }
        }, (ex, id) => Console.Error.WriteLine($"session {id} crashed: {ex.Message}"));

        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2[sessions];
        Parallel.For(0, sessions, i => certificates[i] = Certificates.IssueDevice(deviceCa, $"bench-{i}", from, TimeSpan.FromDays(7)));
        for (var i = 0; i < sessions; i++)
        {
            var certificate = certificates[i];
            var identity = DeviceIdentity.FromCertificate(certificate.RawData);
            var binding = new GridBinding { EvseId = Guid.NewGuid(), Lfdi = identity.Lfdi, Sfdi = identity.Sfdi, RatedChargeW = 11_000, RatedDischargeW = 11_000 };
            var session = GridClientWorker.CreateSession(binding, server, certificate, options, TimeProvider.System, out var http);
            scheduler.Add(session, http);
        }

        using var stop = new CancellationTokenSource();
        var ramp = Stopwatch.StartNew();
        var run = scheduler.RunAsync(stop.Token);
        while (Volatile.Read(ref integrated) < sessions && ramp.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(1000);
            Console.Write($"\rRamp: {integrated:N0}/{sessions:N0} integrated, {failed:N0} failures, {ramp.Elapsed.TotalSeconds:0} s   ");
        }

        Console.WriteLine();
        var rampSeconds = ramp.Elapsed.TotalSeconds;
        GC.Collect();
        var me = Process.GetCurrentProcess();
        var sandboxProcess = Process.GetProcessById(sandbox.Id);
        var cpu0 = me.TotalProcessorTime;
        var sandboxCpu0 = sandboxProcess.TotalProcessorTime;
        var published0 = Interlocked.Read(ref rulesPublished);
        var wall = Stopwatch.StartNew();
        long peakWorkingSet = 0;
        long peakHeap = 0;
        var minIntegrated = int.MaxValue;
        while (wall.Elapsed < TimeSpan.FromSeconds(steadySeconds))
        {
            await Task.Delay(1000);
            me.Refresh();
            peakWorkingSet = Math.Max(peakWorkingSet, me.WorkingSet64);
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            minIntegrated = Math.Min(minIntegrated, Volatile.Read(ref integrated));
            Console.Write($"\rSteady: {wall.Elapsed.TotalSeconds:0}/{steadySeconds} s, integrated {integrated:N0}   ");
        }

        Console.WriteLine();
        me.Refresh();
        sandboxProcess.Refresh();
        var clientCores = (me.TotalProcessorTime - cpu0).TotalSeconds / wall.Elapsed.TotalSeconds;
        var sandboxCores = (sandboxProcess.TotalProcessorTime - sandboxCpu0).TotalSeconds / wall.Elapsed.TotalSeconds;
        var polls = (Interlocked.Read(ref rulesPublished) - published0) / wall.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await run;
        sandbox.Kill(entireProcessTree: true);

        var report = string.Create(CultureInfo.InvariantCulture, $"""
            | measure | value |
            |---|---|
            | sessions (each its own certificate and TLS connection) | {sessions:N0} |
            | pollRate | {pollRate} s |
            | ramp: all registered and integrated after | {rampSeconds:0} s (concurrency {concurrency}) |
            | steady window | {wall.Elapsed.TotalSeconds:0} s |
            | sessions integrated throughout (minimum seen) | {minIntegrated:N0} |
            | session polls per second (each re-reads the resources due) | {polls:0.0} |
            | client process CPU | {clientCores:0.000} cores ({clientCores * 100:0.0} % of one core) |
            | client process working set (peak) | {peakWorkingSet / 1048576.0:0} MiB ({peakWorkingSet / (double)sessions / 1024:0.0} KiB per session) |
            | client managed heap (peak) | {peakHeap / 1048576.0:0} MiB |
            | sandbox server process CPU | {sandboxCores:0.000} cores |
            """);
        Console.WriteLine(report);
        BenchResults.Record("grid-sessions", new { sessions, pollRate, rampSeconds, minIntegrated, pollsPerSecond = polls, clientCores, clientWorkingSetMiB = peakWorkingSet / 1048576.0, clientHeapMiB = peakHeap / 1048576.0, sandboxCores }, sessions < 1000);
        Directory.Delete(dir, recursive: true);
        return clientCores <= 1.0 && minIntegrated == sessions ? 0 : 1;
    }

    /// <summary>The child process: the sandbox server alone, printing its port.</summary>
    public static async Task<int> ServeSandboxAsync(string[] args)
    {
        var dir = Harness.Str(args, "--dir") ?? throw new ArgumentException("--dir is required.");
        var state = new SandboxState(TimeProvider.System, Options.Create(new SandboxOptions { PollRateSeconds = (uint)Harness.Int(args, "--poll", 60) }));
        var serverCertificate = Certificates.ImportWithKey(await File.ReadAllBytesAsync(Path.Combine(dir, "server.pfx")));
        var deviceCa = SepTls.ParseTrustAnchors(await File.ReadAllTextAsync(Path.Combine(dir, "device-ca.pem")));
        await using var server = new SandboxServer(state, serverCertificate, deviceCa, 0, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        Console.WriteLine($"PORT={server.DeviceCapabilityUrl!.Port}");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    internal static Process StartSandbox(string dir, int pollRate) =>
        Harness.StartChild("sandbox-serve", "--dir", dir, "--poll", pollRate.ToString(CultureInfo.InvariantCulture));

    internal static async Task<int> ReadPortAsync(Process sandbox) =>
        int.Parse(await Harness.AnnouncedAsync(sandbox, "PORT"), CultureInfo.InvariantCulture);

}
