using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Kitu.V2X.Portal.Simulation;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Bench;

/// <summary>One client of a load fleet: a charger's credentials and, where a car is plugged in, its identifier.</summary>
internal sealed record LoadClient(Guid EvseId, string Secret, string? Vehicle, string? StationId = null)
{
    /// <summary>N clients of the bare hub, which asks for no credentials.</summary>
    public static List<LoadClient> Anonymous(int n) => [.. Enumerable.Range(0, n).Select(_ => new LoadClient(Guid.Empty, "", null))];

    /// <summary>N OCPP stations of the bare WebSocket server (no credentials), with a car plugged in or idle.</summary>
    public static List<LoadClient> AnonymousStations(int n, bool plugged = true) =>
        [.. Enumerable.Range(0, n).Select(i => new LoadClient(Guid.Empty, "-", plugged ? $"BARE-{i:00000}" : null, $"BARE-{i:00000}"))];
}

/// <summary>
/// The clients of a load scenario, spread over child processes of this harness (at most <see cref="PerProcess"/>
/// each): one process can hold only about 19,900 sockets, and the server under test must be measured without the
/// clients in its process. Each child connects its slice — virtual EVSEs to the portal, or plain SignalR clients to
/// the bare hub — and reports on its standard output: <c>CONNECTED n</c>, <c>INTEGRATED n</c> every second (EVSEs that
/// know their grid rules and owner's policy), and <c>ACK i t</c> / <c>STOP i t</c> for each command and stop client
/// <c>i</c> received (and <c>STOPPED i t</c> once the portal took an EVSE's idle status after a stop), <c>t</c> being <see cref="Stopwatch.GetTimestamp"/> (a monotonic clock all processes on the
/// machine share, so latencies are taken across processes). A line <c>quit</c> on its input ends a child.
/// </summary>
internal sealed class LoadFleet : IAsyncDisposable
{
    public const int PerProcess = 10_000;

    private readonly List<Process> children = [];
    private readonly List<Task> readers = [];
    private readonly int[] integrated;
    private int connected;
    private int failed;

    private readonly int[] linked;

    private LoadFleet(int processes) => (integrated, linked) = (new int[processes], new int[processes]);

    /// <summary>EVSEs whose link to the portal is up (connected, not reconnecting), over all children.</summary>
    public int Linked => linked.Sum();

    /// <summary>Called with the client's index and the time its ack went out (portal) or was answered (bare hub).</summary>
    public Action<int, long>? OnAck { get; set; }

    /// <summary>For the portal's EVSEs, the same with the id of the command acked.</summary>
    public Action<int, long, Guid>? OnCommandAck { get; set; }

    /// <summary>For the portal's EVSEs, by index, the command each acked last.</summary>
    public ConcurrentDictionary<int, Guid> LastAcked { get; } = new();

    /// <summary>Called with the client's index and the time a stop arrived there.</summary>
    public Action<int, long>? OnStop { get; set; }

    /// <summary>Called with the EVSE's index and the time the portal took its answer to a stop (its idle status).</summary>
    public Action<int, long>? OnStopConfirmed { get; set; }

    public int Processes => children.Count;

    /// <summary>
    /// How long each client keeps a link it hears nothing from (SignalR's 30 s when null). The cluster's full run sets
    /// it, with the same on the servers, so that links of starved processes on an overloaded machine are not closed as dead.
    /// </summary>
    public static TimeSpan? LinkTimeout { get; set; }

    /// <summary>EVSEs that know their grid rules (integrated) and their owner's policy, over all children.</summary>
    public int Integrated => integrated.Sum();

    /// <summary>
    /// Starts the children and waits until every client is connected.
    /// <paramref name="kind"/>: <c>portal</c> (virtual EVSEs with their credentials) or <c>bare</c> (the bare hub's clients).
    /// </summary>
    public static async Task<LoadFleet> ConnectAsync(string kind, Uri url, IReadOnlyList<LoadClient> clients, bool messagePack = false, string? thumbprint = null, TimeSpan? limit = null, int parallel = 64)
    {
        var connectLimit = limit ?? TimeSpan.FromMinutes(10);
        var file = Path.Combine(Path.GetTempPath(), $"kitu-bench-clients-{Guid.NewGuid():N}.tsv");
        await File.WriteAllLinesAsync(file, clients.Select(c => $"{c.EvseId}\t{c.Secret}\t{c.Vehicle}\t{c.StationId}"));
        var processes = (clients.Count + PerProcess - 1) / PerProcess;
        var fleet = new LoadFleet(processes);
        try
        {
            for (var p = 0; p < processes; p++)
            {
                var from = p * clients.Count / processes;
                var to = (p + 1) * clients.Count / processes;
                string[] args = ["load", "--kind", kind, "--url", url.ToString(), "--clients", file, "--from", $"{from}", "--count", $"{to - from}"];
                if (messagePack)
                {
                    args = [.. args, "--protocol", "messagepack"];
                }

                if (thumbprint is not null)
                {
                    args = [.. args, "--thumbprint", thumbprint];
                }

                args = [.. args, "--parallel", $"{parallel}"];
                if (LinkTimeout is { } timeout)
                {
                    args = [.. args, "--link-timeout", $"{(int)timeout.TotalSeconds}"];
                }

                var child = Harness.StartChild(redirectInput: true, args);
                fleet.children.Add(child);
                var slot = p;
                fleet.readers.Add(Task.Run(() => fleet.ReadAsync(child, slot)));
            }

            var clock = Stopwatch.StartNew();
            while (Volatile.Read(ref fleet.connected) < clients.Count)
            {
                if (Volatile.Read(ref fleet.failed) > 0 || fleet.children.Any(c => c.HasExited))
                {
                    throw new InvalidOperationException("A load process could not connect its clients (see its output above).");
                }

                if (clock.Elapsed > connectLimit)
                {
                    throw new TimeoutException($"Only {fleet.connected:N0} of {clients.Count:N0} clients connected within {connectLimit.TotalMinutes:0} minutes.");
                }

                await Task.Delay(100);
            }

            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Milliseconds from <paramref name="start"/> (a <see cref="Stopwatch.GetTimestamp"/>) to <paramref name="at"/>.</summary>
    public static double Ms(long start, long at) => (at - start) * 1000.0 / Stopwatch.Frequency;

    public async ValueTask DisposeAsync()
    {
        foreach (var child in children.Where(c => !c.HasExited))
        {
            try
            {
                await child.StandardInput.WriteLineAsync("quit");
                await child.StandardInput.FlushAsync();
            }
            catch (IOException)
            {
                // already gone
            }
        }

        foreach (var child in children)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await child.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }

            child.Dispose();
        }

        await Task.WhenAll(readers);
    }

    private async Task ReadAsync(Process child, int slot)
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "ACK" when parts.Length is 3 or 4:
                    OnAck?.Invoke(int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
                    if (parts.Length == 4)
                    {
                        LastAcked[int.Parse(parts[1], CultureInfo.InvariantCulture)] = Guid.Parse(parts[3]);
                        OnCommandAck?.Invoke(int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), Guid.Parse(parts[3]));
                    }

                    break;
                case "STOP" when parts.Length == 3:
                    OnStop?.Invoke(int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
                    break;
                case "STOPPED" when parts.Length == 3:
                    OnStopConfirmed?.Invoke(int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
                    break;
                case "INTEGRATED" when parts.Length is 2 or 3:
                    Volatile.Write(ref integrated[slot], int.Parse(parts[1], CultureInfo.InvariantCulture));
                    if (parts.Length == 3)
                    {
                        Volatile.Write(ref linked[slot], int.Parse(parts[2], CultureInfo.InvariantCulture));
                    }

                    break;
                case "CONNECTED" when parts.Length == 2:
                    Interlocked.Add(ref connected, int.Parse(parts[1], CultureInfo.InvariantCulture));
                    break;
                case "FAILED":
                    Interlocked.Increment(ref failed);
                    Console.WriteLine($"load process {child.Id}: {line}");
                    break;
                default:
                    Console.WriteLine($"load process {child.Id}: {line}");
                    break;
            }
        }
    }

    /// <summary>The child: connects its slice of the clients and reports, until told to quit.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var kind = Harness.Str(args, "--kind") ?? "portal";
        var url = new Uri(Harness.Str(args, "--url") ?? throw new ArgumentException("--url is required."));
        var from = Harness.Int(args, "--from", 0);
        var count = Harness.Int(args, "--count", 0);
        var messagePack = Harness.Str(args, "--protocol") == "messagepack";
        var thumbprint = Harness.Str(args, "--thumbprint");
        var parallel = Math.Clamp(Harness.Int(args, "--parallel", 64), 1, 512);
        var validate = Harness.Pin(thumbprint);
        TimeSpan? linkTimeout = Harness.Int(args, "--link-timeout", 0) is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null;
        var clients = File.ReadLines(Harness.Str(args, "--clients") ?? throw new ArgumentException("--clients is required."))
            .Skip(from).Take(count)
            .Select(l => l.Split('\t'))
            .Select(p => new LoadClient(Guid.Parse(p[0]), p[1], p[2].Length == 0 ? null : p[2], p.Length > 3 && p[3].Length > 0 ? p[3] : null))
            .ToList();
        var output = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
        void Say(string what, int i, Guid? command = null) => output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} {from + i} {Stopwatch.GetTimestamp()}{(command is { } id ? " " + id.ToString("N") : "")}"));

        var disposables = new List<IAsyncDisposable>();
        Func<int> integrated = () => 0;
        Func<int> linked = () => clients.Count;
        try
        {
            if (kind == "bare")
            {
                var connections = clients.Select((_, i) => Bare(url, messagePack, validate, () => Say("ACK", i), () => Say("STOP", i))).ToList();
                if (linkTimeout is { } timeout)
                {
                    connections.ForEach(c => c.ServerTimeout = timeout);
                }

                disposables.AddRange(connections);
                // Like an EVSE after connecting: two small invocations (hello, status), so both sides have talked.
                await Harness.ForAllAsync(connections, async c =>
                {
                    await c.StartAsync();
                    await c.InvokeAsync("Report", new string('h', 120));
                    await c.InvokeAsync("Report", new string('s', 160));
                });
            }
            else if (kind is "ocpp" or "bare-ocpp")
            {
                // OCPP 2.1 stations: to the portal's gateway (with their credentials) or to the bare WebSocket server.
                var stations = clients.Select((c, i) =>
                {
                    var station = new VirtualOcppStation(c.StationId!, c.Secret, url, 22, c.Vehicle is null ? null : new VirtualEv(c.Vehicle, 60, 80, true), TimeProvider.System, TimeSpan.FromMinutes(5))
                    {
                        Acked = id => Say("ACK", i, id),
                        StopReceived = () => Say("STOP", i),
                    };
                    return station;
                }).ToList();
                disposables.AddRange(stations);
                await Harness.ForAllAsync(stations, s => s.StartAsync(CancellationToken.None));
                integrated = () => stations.Count(s => s.Connected); // the portal says which are grid-integrated (/diagnostics/links)
                linked = () => stations.Count(s => s.Connected);
            }
            else
            {
                var evses = clients.Select((c, i) =>
                {
                    var evse = new VirtualEvse(c.EvseId, c.Secret, url, 22, c.Vehicle is null ? null : new VirtualEv(c.Vehicle, 60, 80, true), TimeProvider.System, TimeSpan.FromMinutes(5), messagePack: messagePack, validateServer: validate);
                    evse.Acked = id => Say("ACK", i, id);
                    evse.StopReceived = _ => Say("STOP", i);
                    evse.StopConfirmed = _ => Say("STOPPED", i);
                    if (linkTimeout is { } timeout)
                    {
                        evse.ServerTimeout = timeout;
                    }
                    return evse;
                }).ToList();
                disposables.AddRange(evses);
                await Harness.ForAllAsync(evses, StartAsync, parallel);
                integrated = () => evses.Count(e => e.Grid is { Integrated: true } && e.Policy is not null);
                linked = () => evses.Count(e => e.State == HubConnectionState.Connected);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or TimeoutException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            output.WriteLine($"FAILED {ex.GetType().Name}: {ex.Message}");
            return 1;
        }

        output.WriteLine($"CONNECTED {clients.Count}");
        var quit = Task.Run(async () =>
        {
            using var input = new StreamReader(Console.OpenStandardInput());
            while (await input.ReadLineAsync() is { } line && line != "quit")
            {
            }
        });
        while (!quit.IsCompleted)
        {
            output.WriteLine($"INTEGRATED {integrated()} {linked()}");
            await Task.WhenAny(quit, Task.Delay(1000));
        }

        await Task.WhenAll(disposables.Select(d => d.DisposeAsync().AsTask()));
        return 0;
    }

    /// <summary>Connects as a charger does: a connect that fails or times out on a loaded portal is tried again after a growing pause, five times at most.</summary>
    private static async Task StartAsync(VirtualEvse evse)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await evse.StartAsync(CancellationToken.None);
                return;
            }
            catch (Exception ex) when (attempt < 5 && ex is HttpRequestException or IOException or TimeoutException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
            {
                await evse.DropLinkAsync();
                await Task.Delay(TimeSpan.FromSeconds((1 << attempt) + Random.Shared.NextDouble()));
            }
        }
    }

    private static HubConnection Bare(Uri url, bool messagePack, System.Net.Security.RemoteCertificateValidationCallback? validate, Action acked, Action stopped)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(url, "/hub"), HttpTransportType.WebSockets, o =>
        {
            o.SkipNegotiation = true;
            if (validate is not null)
            {
                o.WebSocketConfiguration = ws => ws.RemoteCertificateValidationCallback = validate;
            }
        });
        if (messagePack)
        {
            builder.AddMessagePackProtocol();
        }

        var c = builder.Build();
        c.On<Guid, double, DateTimeOffset>("Discharge", async (id, _, _) =>
        {
            await c.InvokeAsync("Ack", id);
            acked();
        });
        c.On<Guid, string>("Stop", (_, _) => stopped());
        return c;
    }
}
