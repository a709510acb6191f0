using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Kitu.V2X.Portal.Api;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Extensions;
using Kitu.V2X.Portal.Grid;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kitu.V2X.Portal.Bench;

/// <summary>The fan-out's variants — the portal killed mid-event (<c>--restart</c>), the stores on SQLite against PostgreSQL (<c>--storage compare</c>) — and waiting for the load.</summary>
internal static partial class FanOutLoad
{
    /// <summary>
    /// <c>fan-out --storage compare</c>: the same fan-out with the portal's stores on SQLite, then on PostgreSQL
    /// (<see cref="BenchStorage"/>), against one bare hub, in one run.
    /// </summary>
    private static async Task<int> CompareStorageAsync(int n, bool messagePack, int rounds, bool quick)
    {
        Console.WriteLine($"fan-out, SQLite against PostgreSQL: N = {n:N0}, {(messagePack ? "MessagePack" : "JSON")}, {rounds} rounds each");
        BenchStorage.PostgreSql = false;
        var sqlite = (await RunPortalAsync(n, messagePack, rounds, null)).Outcome;
        BenchStorage.PostgreSql = true;
        var postgres = (await RunPortalAsync(n, messagePack, rounds, null)).Outcome;
        var bare = await BareAsync(n, messagePack, rounds, ocpp: false);
        var bareLater = Latencies.MedianOf(bare.Later);
        string Row(string name, Outcome o)
        {
            var later = Latencies.MedianOf(o.Later);
            return string.Create(CultureInfo.InvariantCulture, $"| portal on {name} | {o.Ack.Last:0} ms ({o.Ack.Last / bare.Ack.Last:0.00}×) | {o.Ack.P99:0} ms | {later.Last:0} ms ({later.Last / bareLater.Last:0.00}×) | {later.P99:0} ms | {o.Stop.Last:0} ms |");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            | fan-out, N = {n:N0} | last ack (× bare) | p99 | later events: last ack (× bare) | later p99 | stop: last |
            |---|---:|---:|---:|---:|---:|
            {Row("SQLite", sqlite)}
            {Row("PostgreSQL", postgres)}
            | bare hub | {bare.Ack.Last:0} ms | {bare.Ack.P99:0} ms | {bareLater.Last:0} ms | {bareLater.P99:0} ms | {bare.Stop.Last:0} ms |
            """));
        BenchResults.Record($"fan-out-storage-{n}", new Dictionary<string, object>
        {
            ["n"] = n,
            ["sqlite"] = sqlite,
            ["postgresql"] = postgres,
            ["bare"] = bare,
            ["sqliteLastAckRatio"] = sqlite.Ack.Last / bare.Ack.Last,
            ["postgresqlLastAckRatio"] = postgres.Ack.Last / bare.Ack.Last,
        }, quick);
        return 0;
    }

    /// <summary>
    /// <c>fan-out --restart</c>: N EVSEs discharging for one event, the portal killed (SIGKILL) and started again on the
    /// same data and address; the EVSEs reconnect by themselves. Reports the time from the restart to the portal being
    /// ready and to the last command resumed (its renewal, the same id again, acked by its EVSE) — none executed twice.
    /// </summary>
    private static async Task<int> RestartAsync(int n, bool messagePack, bool quick)
    {
        Console.WriteLine($"restart: N = {n:N0} running commands, {(messagePack ? "MessagePack" : "JSON")}");
        var running = new ConcurrentDictionary<int, Guid>();
        var resumed = new ConcurrentDictionary<int, double>();
        var replaced = new ConcurrentDictionary<int, Guid>();
        long restarted = 0;
        var figures = await PortalAsync(n, messagePack, async (portal, fleet, dir) =>
        {
            var settings = new Dictionary<string, string> { ["Grid__IdleConnectionSeconds"] = "2" };
            foreach (var (i, id) in fleet.LastAcked)
            {
                running[i] = id;
            }

            fleet.OnAck = null;
            fleet.OnCommandAck = (i, at, id) =>
            {
                if (Volatile.Read(ref restarted) == 0)
                {
                    running[i] = id;
                }
                else if (running.GetValueOrDefault(i) == id)
                {
                    resumed.TryAdd(i, LoadFleet.Ms(Volatile.Read(ref restarted), at));
                }
                else
                {
                    replaced.TryAdd(i, id); // the first command ended, a new one sent: not a resume
                }
            };
            if (running.Count < n)
            {
                throw new InvalidOperationException($"Only {running.Count:N0} of {n:N0} EVSEs run a command before the restart.");
            }
            var url = portal.Url;
            await portal.DisposeAsync(); // killed: no shutdown work at all
            Volatile.Write(ref restarted, Stopwatch.GetTimestamp());
            var second = await PortalProcess.StartAsync(dir, settings, at: url);
            var ready = LoadFleet.Ms(Volatile.Read(ref restarted), Stopwatch.GetTimestamp());
            using var done = new CancellationTokenSource();
            var timeline = Task.Run(async () =>
            {
                while (!done.IsCancellationRequested)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  +{LoadFleet.Ms(Volatile.Read(ref restarted), Stopwatch.GetTimestamp()) / 1000:0} s: {fleet.Linked:N0} linked, {resumed.Count:N0} resumed"));
                    await Task.Delay(1000, CancellationToken.None);
                }
            });
            await UntilAsync(() => resumed.Count + replaced.Count >= n, TimeSpan.FromMinutes(10), () => $"resumed {resumed.Count:N0}/{n:N0}, replaced {replaced.Count:N0}");
            await done.CancelAsync();
            await timeline;
            if (!replaced.IsEmpty)
            {
                throw new InvalidOperationException($"{replaced.Count:N0} of {n:N0} running commands were ended and replaced by new ones instead of resumed.");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Restart: ready after {ready:0} ms; every command resumed (acked again by its EVSE) after {resumed.Values.Max():0} ms"));
            return (second, ready);
        });
        var resume = Latencies.Of(resumed.Values);
        BenchResults.Record($"restart-{(messagePack ? "messagepack" : "json")}-{n}", new Dictionary<string, object>
        {
            ["n"] = n,
            ["readyMs"] = figures,
            ["resumed"] = resume,
        }, quick);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""

            | restart, N = {n:N0} running | portal ready | last command resumed | p50 | p99 |
            |---|---:|---:|---:|---:|
            | kill → start on the same data | {figures:0} ms | {resume.Last:0} ms | {resume.P50:0} ms | {resume.P99:0} ms |
            """));
        return 0;
    }

    /// <summary>Waits until the load reaches a state (every variant does), failing with its progress after a while.</summary>
    private static async Task UntilAsync(Func<bool> done, TimeSpan within, Func<string> progress)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > within)
            {
                throw new TimeoutException($"Timed out: {progress()}.");
            }

            await Task.Delay(5);
        }
    }
}
