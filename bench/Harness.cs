using System.Diagnostics;
using System.Globalization;

namespace Kitu.V2X.Portal.Bench;

/// <summary>
/// What the load scenarios share: command-line options, child processes of this harness (the bare hubs, the sandbox)
/// that announce where they listen, starting many clients a few at a time, and tidying up after a run.
/// </summary>
internal static class Harness
{
    /// <summary>A <c>--quick</c> run: a smoke test of the harness, whose waits for a system to settle are cut short.</summary>
    public static bool Quick { get; set; }

    /// <summary>
    /// Waits for the system under test to settle between the steps of a scenario (statuses to land, commands to end):
    /// <paramref name="seconds"/> in a measured run, <paramref name="quickSeconds"/> in a quick one — its figures are
    /// not measurements, and every step after a pause waits for what it needs anyway.
    /// </summary>
    public static Task Pause(double seconds, double quickSeconds = 1) => Task.Delay(TimeSpan.FromSeconds(Quick ? Math.Min(seconds, quickSeconds) : seconds));

    public static int Int(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    public static string? Str(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>This harness again, as a child process running <paramref name="args"/> (a scenario's server side).</summary>
    public static Process StartChild(params string[] args) => StartChild(redirectInput: false, args);

    /// <param name="redirectInput">Keep the child's standard input to talk to it (the load processes are told to quit).</param>
    public static Process StartChild(bool redirectInput, params string[] args) => StartChild(redirectInput, serverGc: false, args);

    /// <summary>
    /// A baseline server: with the server garbage collector, as the portal runs (ASP.NET Core's default), so that memory
    /// and time are compared under the same runtime settings. Load clients and the sandbox use the workstation collector.
    /// </summary>
    public static Process StartServer(params string[] args) => StartChild(redirectInput: false, serverGc: true, args);

    private static Process StartChild(bool redirectInput, bool serverGc, string[] args)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Harness).Assembly.Location);
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_gcServer"] = serverGc ? "1" : "0";
        return Track(Process.Start(start) ?? throw new InvalidOperationException($"Could not start the child process for {args.FirstOrDefault()}."));
    }

    private static readonly List<Process> Started = [];

    /// <summary>
    /// Every process the harness starts is killed when the harness ends — normally each scenario stops its own, but a
    /// harness stopped with Ctrl+C or SIGTERM must not leave a portal or thousands of clients behind.
    /// </summary>
    public static Process Track(Process process)
    {
        lock (Started)
        {
            if (Started.Count == 0)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillStarted();
                Console.CancelKeyPress += (_, _) => KillStarted();
            }

            Started.RemoveAll(Gone);
            Started.Add(process);
        }

        return process;
    }

    private static void KillStarted()
    {
        lock (Started)
        {
            foreach (var p in Started.Where(p => !Gone(p)))
            {
                try
                {
                    p.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // ended meanwhile
                }
            }
        }
    }

    /// <summary>Ended, or already disposed by the scenario that started it.</summary>
    private static bool Gone(Process p)
    {
        try
        {
            return p.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Reads the child's output until it announces <c>NAME=value</c>, and returns the value.</summary>
    public static async Task<string> AnnouncedAsync(Process child, string name)
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(name + "=", StringComparison.Ordinal))
            {
                return line[(name.Length + 1)..];
            }
        }

        throw new InvalidOperationException($"The child process ended before it announced {name}.");
    }

    /// <summary>Accepts exactly the server certificate with this thumbprint (the harness's throwaway ones); null: the default checks.</summary>
    public static System.Net.Security.RemoteCertificateValidationCallback? Pin(string? thumbprint) =>
        thumbprint is null ? null : (_, presented, _, _) => presented is not null && presented.GetCertHashString() == thumbprint;

    /// <summary>Runs <paramref name="start"/> for every item, at most 64 at once (a fleet connecting, not a stampede).</summary>
    public static async Task ForAllAsync<T>(IEnumerable<T> items, Func<T, Task> start, int parallel = 64)
    {
        using var gate = new SemaphoreSlim(parallel);
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

    public static void TryDelete(string dir)
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
}
