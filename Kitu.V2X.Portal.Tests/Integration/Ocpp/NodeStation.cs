using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kitu.V2X.Portal.Tests.Integration.Ocpp;

/// <summary>
/// A real third-party OCPP-J client as the charging station: e2e/ocpp/station.mjs, run by Node on the ocpp-rpc library
/// in strict schema mode (installed by test.sh in e2e/node_modules). Driven over JSON lines; every CSMS call it
/// receives and every frame the portal sends it is recorded here.
/// </summary>
public sealed class NodeStation : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> waiting = new();
    private readonly List<JsonObject> events = [];
    private readonly Lock gate = new();
    private int ids;

    private NodeStation(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Take(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (gate)
                {
                    events.Add(new JsonObject { ["event"] = "stderr", ["message"] = line });
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the station process (not yet connected).</summary>
    public static Task<NodeStation> StartAsync(Uri portal, string stationId, string password, string subprotocol = "ocpp2.1") =>
        StartAsync(new UriBuilder(portal) { Scheme = portal.Scheme == "https" ? "wss" : "ws", Path = "/ocpp" }.Uri.ToString().TrimEnd('/'), stationId, password, subprotocol);

    /// <summary>Starts the station process for a CSMS URL as an owner would enter it (the station appends its id).</summary>
    public static async Task<NodeStation> StartAsync(string endpoint, string stationId, string password, string subprotocol = "ocpp2.1")
    {
        var root = RepositoryRoot();
        var script = Path.Combine(root, "e2e", "ocpp", "station.mjs");
        Assert.True(Directory.Exists(Path.Combine(root, "e2e", "node_modules", "ocpp-rpc")), "ocpp-rpc is not installed: run ./test.sh (or cd e2e && npm ci).");
        var info = new ProcessStartInfo("node", [script, endpoint, stationId, password, subprotocol])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(root, "e2e"),
        };
        var station = new NodeStation(Process.Start(info)!);
        await station.UntilAsync(e => (string?)e["event"] == "ready", "the station process is ready");
        return station;
    }

    public IReadOnlyList<JsonObject> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    /// <summary>The CSMS calls the station received with this action, oldest first.</summary>
    public IReadOnlyList<JsonObject> Received(string action) =>
        [.. Events.Where(e => (string?)e["event"] == "received" && (string?)e["action"] == action).Select(e => e["payload"]!.AsObject())];

    /// <summary>Runs one op and returns its result; throws with the station's error when it failed.</summary>
    public async Task<JsonNode?> RunAsync(JsonObject command, TimeSpan? within = null)
    {
        var id = Interlocked.Increment(ref ids);
        command["id"] = id;
        var done = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        waiting[id] = done;
        await process.StandardInput.WriteLineAsync(command.ToJsonString());
        await process.StandardInput.FlushAsync();
        try
        {
            return await done.Task.WaitAsync(within ?? TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The station did not finish {command.ToJsonString()}. Its events: {Log()}");
        }
    }

    public Task<JsonNode?> ConnectAsync() => RunAsync(new JsonObject { ["op"] = "connect" });

    public Task<JsonNode?> CallAsync(string action, JsonObject payload) => RunAsync(new JsonObject { ["op"] = "call", ["action"] = action, ["payload"] = payload });

    public Task<JsonNode?> BootAsync() => CallAsync("BootNotification", new JsonObject
    {
        ["reason"] = "PowerUp",
        ["chargingStation"] = new JsonObject { ["vendorName"] = "ocpp-rpc test", ["model"] = "V2X-DC-11", ["firmwareVersion"] = "2.2.1" },
    });

    public Task<JsonNode?> PlugAsync(string vehicle, double soc, params string[] modes) =>
        RunAsync(new JsonObject { ["op"] = "plug", ["vehicle"] = vehicle, ["soc"] = soc, ["modes"] = new JsonArray([.. modes.Select(m => (JsonNode)m)]) });

    public Task<JsonNode?> AnswerAsync(string action, string status) => RunAsync(new JsonObject { ["op"] = "answer", ["action"] = action, ["status"] = status });

    public Task<JsonNode?> RawAsync(string text) => RunAsync(new JsonObject { ["op"] = "raw", ["text"] = text });

    public Task<JsonNode?> DropAsync() => RunAsync(new JsonObject { ["op"] = "drop" });

    public async Task<JsonObject> StateAsync() => (await RunAsync(new JsonObject { ["op"] = "state" }))!.AsObject();

    public async Task<IReadOnlyList<string>> ExecutionsAsync() => [.. (await StateAsync())["executions"]!.AsArray().Select(e => (string)e!)];

    /// <summary>Waits until an event matches.</summary>
    public async Task<JsonObject> UntilAsync(Func<JsonObject, bool> match, string what, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (within ?? TimeSpan.FromSeconds(20)))
        {
            if (Events.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"Timed out waiting until {what}. The station's events: {Log()}");
    }

    /// <summary>Waits until the station received a CSMS call of this action that matches.</summary>
    public async Task<JsonObject> UntilReceivedAsync(string action, Func<JsonObject, bool>? match = null, string? what = null, TimeSpan? within = null)
    {
        var e = await UntilAsync(e => (string?)e["event"] == "received" && (string?)e["action"] == action && (match?.Invoke(e["payload"]!.AsObject()) ?? true), what ?? $"the station receives {action}", within);
        return e["payload"]!.AsObject();
    }

    public string Log() => string.Join("\n", Events.TakeLast(40).Select(e => e.ToJsonString()));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                await process.StandardInput.WriteLineAsync("{\"op\":\"exit\"}");
                await process.StandardInput.FlushAsync();
                if (!process.WaitForExit(2000))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // Gone already.
        }

        process.Dispose();
    }

    private void Take(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        JsonObject e;
        try
        {
            e = JsonNode.Parse(line)!.AsObject();
        }
        catch (JsonException)
        {
            e = new JsonObject { ["event"] = "text", ["message"] = line };
        }

        lock (gate)
        {
            events.Add(e);
        }

        if ((string?)e["event"] is "done" or "failed" && e["id"]?.GetValue<int>() is { } id && waiting.TryRemove(id, out var done))
        {
            if ((string?)e["event"] == "done")
            {
                done.TrySetResult(e["result"]?.DeepClone());
            }
            else
            {
                done.TrySetException(new StationCallFailed((string?)e["code"], (string?)e["message"]));
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kitu.V2X.Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Kitu.V2X.Portal.sln) was not found above the test binaries.");
    }
}

/// <summary>A call or op the station could not complete: the OCPP error code (a CALLERROR from the portal) and message.</summary>
public sealed class StationCallFailed(string? code, string? message) : Exception($"{code}: {message}")
{
    public string? Code { get; } = code;
}
