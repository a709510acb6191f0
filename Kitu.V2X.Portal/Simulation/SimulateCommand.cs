using System.Diagnostics;
using System.Globalization;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Extensions;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// <c>dotnet run --project Kitu.V2X.Portal -- simulate --url http://localhost:5080 --evses 500</c>: a separate process
/// of virtual EVSEs for load. It registers a "Load test lot" of N chargers (owned by the demo fleet manager) in the
/// portal's store on this machine, issues each a secret, connects them all over SignalR and reports every 10 s.
/// Options: <c>--evses N</c> (100), <c>--status-seconds S</c> (5), <c>--seconds T</c> (run time; default until Ctrl+C),
/// <c>--ocpp</c> (the chargers are OCPP 2.1 stations on the gateway, station ids <c>LOAD-00001</c>…, instead of SignalR
/// EVSEs), and the portal's own settings (e.g. <c>--Storage:DataDirectory</c>) to find its store.
/// </summary>
public static class SimulateCommand
{
    public const string LoadSiteName = "Load test lot";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(Option(args, "--url") ?? "http://localhost:5080");
        var count = int.Parse(Option(args, "--evses") ?? "100", CultureInfo.InvariantCulture);
        var statusSeconds = int.Parse(Option(args, "--status-seconds") ?? "5", CultureInfo.InvariantCulture);
        var seconds = Option(args, "--seconds") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : (int?)null;

        var ocpp = args.Contains("--ocpp");
        var chargers = await ProvisionAsync(args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) || a.Contains(':', StringComparison.Ordinal)).ToArray(), count, ocpp);

        Console.WriteLine($"Connecting {count:N0} virtual {(ocpp ? "OCPP 2.1 stations" : "EVSEs")} to {url} …");
        var ev = (int i) => new VirtualEv($"LOAD-{i:00000}", 60, 50 + (i % 40), true);
        var evses = ocpp ? [] : chargers.Select((c, i) => new VirtualEvse(c.Id, c.Secret, url, 22, ev(i), TimeProvider.System, TimeSpan.FromSeconds(statusSeconds))).ToList();
        var stations = ocpp ? chargers.Select((c, i) => new VirtualOcppStation(c.StationId!, c.Secret, url, 22, ev(i), TimeProvider.System, TimeSpan.FromSeconds(statusSeconds))).ToList() : [];
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(50);
        var failures = 0;
        await Task.WhenAll(evses.Select(e => (Func<Task>)(() => e.StartAsync(CancellationToken.None))).Concat(stations.Select(s => (Func<Task>)(() => s.StartAsync(CancellationToken.None)))).Select(async start =>
        {
            await gate.WaitAsync();
            try
            {
                await start();
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or System.Net.WebSockets.WebSocketException)
            {
                Interlocked.Increment(ref failures);
            }
            finally
            {
                gate.Release();
            }
        }));
        Console.WriteLine($"Connected {count - failures:N0} in {clock.Elapsed.TotalSeconds:0.0} s ({failures} failed).");

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        if (seconds is { } limit)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(limit));
        }

        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(10), stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var connected = evses.Count(e => e.State == Microsoft.AspNetCore.SignalR.Client.HubConnectionState.Connected) + stations.Count(s => s.Connected);
            var discharging = evses.Count(e => e.ActiveCommand is not null) + stations.Count(s => s.ActiveCommand is not null);
            Console.WriteLine($"{DateTimeOffset.Now:HH:mm:ss} connected {connected:N0}, discharging {discharging:N0}");
        }

        foreach (var evse in evses)
        {
            await evse.DisposeAsync();
        }

        foreach (var station in stations)
        {
            await station.DisposeAsync();
        }

        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// Registers (or reuses) the "Load test lot" of <paramref name="count"/> chargers in the portal's store found through
    /// the portal's own settings (<paramref name="settings"/>, e.g. <c>--Storage:DataDirectory=…</c>) and issues each a
    /// fresh secret. The portal must have run once in demo mode (the lot belongs to the demo fleet manager).
    /// </summary>
    public static async Task<List<(Guid Id, string Secret, string? StationId)>> ProvisionAsync(string[] settings, int count, bool ocpp = false)
    {
        var builder = WebApplication.CreateBuilder(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddPortalData();
        await using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var owner = await db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == DemoAccounts.Fleet.Email.ToUpperInvariant())
            ?? throw new InvalidOperationException("The demo fleet manager does not exist: run the portal once in demo mode first.");
        return await LoadLotAsync(db, owner.Id, count, new EvseProvisioning(db, TimeProvider.System), ocpp);
    }

    private static async Task<List<(Guid Id, string Secret, string? StationId)>> LoadLotAsync(PortalDbContext db, string ownerId, int count, EvseProvisioning provisioning, bool ocpp)
    {
        var site = await db.Sites.SingleOrDefaultAsync(x => x.OwnerId == ownerId && x.Name == LoadSiteName);
        if (site is null)
        {
            site = new Site { OwnerId = ownerId, Name = LoadSiteName, Kind = SiteKind.Private, UtilityName = DemoSites.Utility, TimeZoneId = DemoSites.TimeZone };
            db.Sites.Add(site);
        }

        var existing = await db.Evses.Where(e => e.SiteId == site.Id).OrderBy(e => e.Name).ToListAsync();
        for (var i = existing.Count; i < count; i++)
        {
            var evse = new Evse { SiteId = site.Id, Name = $"Load {i + 1:00000}", Current = CurrentType.Dc, RatedChargeKw = 22, RatedDischargeKw = 22, OwnerAllowsDischarge = true };
            db.Evses.Add(evse);
            existing.Add(evse);
        }

        if (ocpp)
        {
            foreach (var (evse, i) in existing.Select((e, i) => (e, i)))
            {
                evse.OcppStationId ??= $"LOAD-{i + 1:00000}";
            }
        }

        await db.SaveChangesAsync();
        var result = new List<(Guid, string, string?)>();
        foreach (var evse in existing.Take(count))
        {
            result.Add((evse.Id, await provisioning.IssueAsync(evse.Id, CancellationToken.None), evse.OcppStationId));
            if (result.Count % 500 == 0)
            {
                db.ChangeTracker.Clear(); // each save would otherwise scan every credential issued so far
            }
        }

        return result;
    }

    private static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
