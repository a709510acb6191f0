using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Demo;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.ScaleOut;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Simulation;

/// <summary>
/// Demo mode's virtual chargers and cars: once the portal listens, every demo EVSE is provisioned a fresh secret and
/// connects over a real SignalR connection; the demo cars are plugged in where the demo story puts them (the
/// driver's car at home, six vans at the depot). The depot's first five bays are bound to the sandbox grid server.
/// With several instances on one store, only the holder of the simulation lease runs them (one set of virtual chargers,
/// not one per instance taking each other's links); when it goes, the next holder starts them.
/// </summary>
public sealed partial class DemoSimulation(
    IServiceScopeFactory scopes,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<SimulationOptions> options,
    SimulationLease lease,
    TimeProvider time,
    ILogger<DemoSimulation> logger) : BackgroundService
{
    private readonly List<VirtualEvse> evses = [];
    private readonly List<VirtualOcppStation> stations = [];
    private VirtualTelematics? telematics;
    private readonly SemaphoreSlim gate = new(1, 1);

    public IReadOnlyList<VirtualEvse> Evses => evses;

    /// <summary>The demo's virtual OCPP stations (the street site's OCPP post).</summary>
    public IReadOnlyList<VirtualOcppStation> Stations => stations;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !await StartedAsync(stoppingToken))
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await lease.WhenHeld(stoppingToken);
                var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                void OnChanged(bool held)
                {
                    if (!held)
                    {
                        lost.TrySetResult();
                    }
                }

                lease.Changed += OnChanged;
                try
                {
                    if (!lease.IsHeld)
                    {
                        continue; // lost again before it started
                    }

                    await RunAsync(stoppingToken);
                    await lost.Task.WaitAsync(stoppingToken);
                    LogMoved();
                }
                finally
                {
                    lease.Changed -= OnChanged;
                    await StopChargersAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Provisions and connects the virtual chargers, stations and the car maker's cloud.</summary>
    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            LogNoAddress();
            return;
        }

        var portal = new Uri(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal));
        await using (var scope = scopes.CreateAsyncScope())
        {
            var sp = scope.ServiceProvider;
            var db = sp.GetRequiredService<PortalDbContext>();
            await BindDepotAsync(sp, db, stoppingToken);
            var plan = await DemoFleet.PlugPlanAsync(db, stoppingToken);
            var maker = new DemoChargerMaker(sp.GetRequiredService<ProtectedFiles>(), time);
            sp.GetService<Sandbox.SandboxHost>()?.Trust.Enrol(maker.Authority); // the sandbox utility approved this maker
            foreach (var (evse, ev) in plan)
            {
                var secret = await sp.GetRequiredService<EvseProvisioning>().IssueAsync(evse.Id, stoppingToken);
                if (evse.OcppStationId is { } stationId)
                {
                    stations.Add(new VirtualOcppStation(stationId, secret, portal, evse.RatedDischargeKw, ev, time, TimeSpan.FromSeconds(options.Value.StatusSeconds)));
                    continue;
                }

                evses.Add(new VirtualEvse(evse.Id, secret, portal, evse.RatedDischargeKw, ev, time, TimeSpan.FromSeconds(options.Value.StatusSeconds), options.Value.BatterySpeed)
                {
                    // The street chargers run their own 2030.5 client with their factory certificate; the others leave it to the portal.
                    GridClient = DemoFleet.RunsOwnGridClient(evse)
                        ? new ResidentGridClient(evse.Id, maker.CertificateFor(evse.Id, evse.SerialNumber ?? evse.Id.ToString("N")[..8]), evse.RatedChargeKw * 1000, evse.RatedDischargeKw * 1000,
                            Domain.GridSecurity.Ieee2030_5.DerControlModes.AllIeee1547, 240, time)
                        : null,
                });
            }

            if (await TelematicsKeyAsync(db, stoppingToken) is { } key)
            {
                telematics = new VirtualTelematics(portal, key, Locate, time, TimeSpan.FromSeconds(options.Value.StatusSeconds));
            }
        }

        foreach (var evse in evses)
        {
            try
            {
                await evse.StartAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
            {
                LogStartFailed(ex, evse.EvseId);
            }
        }

        foreach (var station in stations)
        {
            try
            {
                await station.StartAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or InvalidOperationException or OperationCanceledException)
            {
                LogStationStartFailed(ex);
            }
        }

        if (telematics is not null)
        {
            try
            {
                await telematics.StartAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
            {
                LogTelematicsFailed(ex);
            }
        }

        LogStarted(evses.Count + stations.Count, portal);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await StopChargersAsync();
    }

    private async Task StopChargersAsync()
    {
        await gate.WaitAsync();
        try
        {
            if (telematics is not null)
            {
                await telematics.DisposeAsync();
                telematics = null;
            }

            foreach (var evse in evses)
            {
                await evse.DisposeAsync();
            }

            foreach (var station in stations)
            {
                await station.DisposeAsync();
            }

            evses.Clear();
            stations.Clear();
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var _ = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await using var __ = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Where a demo car is plugged in, as the car itself knows.</summary>
    private VirtualEvse? Locate(string vehicleIdentifier) =>
        evses.FirstOrDefault(e => e.Ev is { } ev && string.Equals(ev.Identifier, vehicleIdentifier, StringComparison.OrdinalIgnoreCase));

    /// <summary>A fresh API key for the demo car maker's simulated cloud; earlier simulation keys are revoked.</summary>
    private async Task<string?> TelematicsKeyAsync(PortalDbContext db, CancellationToken ct)
    {
        var maker = await db.ProgramOperators.AsNoTracking().SingleOrDefaultAsync(o => o.Name == DemoFleet.CarMakerName, ct);
        if (maker is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        await db.OperatorApiKeys.Where(k => k.OperatorId == maker.Id && k.Name == DemoFleet.TelematicsKeyName && k.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct);
        var (key, stored) = Domain.ConsumerSupport.OperatorApiKey.Issue(maker.Id, DemoFleet.TelematicsKeyName, now);
        db.OperatorApiKeys.Add(stored);
        await db.SaveChangesAsync(ct);
        return key;
    }

    private static async Task BindDepotAsync(IServiceProvider sp, PortalDbContext db, CancellationToken ct)
    {
        var grid = sp.GetRequiredService<GridBindingService>();
        var sandbox = (await grid.ServersAsync(ct)).FirstOrDefault();
        if (sandbox is null)
        {
            return;
        }

        foreach (var bay in await DemoFleet.DepotBaysToBindAsync(db, ct))
        {
            if (grid.Rules(bay.Id).Integration == GridIntegration.NotBound && !await sp.GetRequiredService<GridDbContext>().GridBindings.AnyAsync(b => b.EvseId == bay.Id, ct))
            {
                var pin = sp.GetRequiredService<IOptions<Sandbox.SandboxOptions>>().Value.RegistrationPin.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await grid.BindAsync(new BindRequest(bay.Id, sandbox.Id, pin, bay.RatedChargeKw, bay.RatedDischargeKw), ct);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Demo simulation: another instance took the simulation lease; this one's virtual chargers are stopped")]
    private partial void LogMoved();

    [LoggerMessage(LogLevel.Information, "Demo simulation: {Count} virtual EVSEs connected to {Portal}")]
    private partial void LogStarted(int count, Uri portal);

    [LoggerMessage(LogLevel.Warning, "Demo simulation: the car maker's simulated telematics cloud could not connect")]
    private partial void LogTelematicsFailed(Exception ex);

    [LoggerMessage(LogLevel.Warning, "Demo simulation: the portal has no listening address; no virtual EVSEs")]
    private partial void LogNoAddress();

    [LoggerMessage(LogLevel.Warning, "Virtual EVSE {EvseId} could not connect")]
    private partial void LogStartFailed(Exception ex, Guid evseId);

    [LoggerMessage(LogLevel.Warning, "A virtual OCPP station could not connect; it keeps trying")]
    private partial void LogStationStartFailed(Exception ex);
}
