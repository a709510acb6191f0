using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Simulation;
using Kitu.V2X.Portal.Workers;
using Microsoft.AspNetCore.Authentication;

namespace Kitu.V2X.Portal.Extensions;

internal static class EvseExtensions
{
    /// <summary>
    /// Live EVSE connections (SignalR hub with per-EVSE credentials and a small message limit), the discharge
    /// mediator, the notifier pages listen to, and demo mode's virtual EVSEs.
    /// </summary>
    public static WebApplicationBuilder AddEvseConnections(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, EvseKeyAuthentication>(EvseKeyAuthentication.SchemeName, null);
        services.AddSignalR().AddHubOptions<EvseHub>(o =>
        {
            o.MaximumReceiveMessageSize = EvseHub.MaximumMessageBytes;
            o.MaximumParallelInvocationsPerClient = 1;
            o.EnableDetailedErrors = false;
        }).AddMessagePackProtocol().AddHubOptions<TelematicsHub>(o =>
        {
            o.MaximumReceiveMessageSize = EvseHub.MaximumMessageBytes;
            o.EnableDetailedErrors = false;
        });
        services.Configure<MediatorOptions>(builder.Configuration.GetSection(MediatorOptions.Section));
        services.Configure<SimulationOptions>(builder.Configuration.GetSection(SimulationOptions.Section));
        services.AddSingleton<EvseConnections>();
        services.AddSingleton<TelematicsLinks>();
        services.AddSingleton<MediatorNotifier>();
        services.AddScoped<EvseProvisioning>();
        services.AddScoped<Drivers.DriverNow>();
        services.AddScoped<Drivers.DriverSettings>();
        services.AddScoped<Drivers.DriverVehicles>();
        services.AddScoped<Drivers.DriverPrograms>();
        services.AddScoped<Drivers.DriverHistory>();
        services.AddScoped<Programs.ProgramDispatch>();
        services.AddSingleton<Programs.EventPowerSeries>();
        services.AddSingleton<DischargeMediator>();
        services.AddHostedService(sp => sp.GetRequiredService<DischargeMediator>());
        services.AddSingleton<DemoSimulation>();
        services.AddHostedService(sp => sp.GetRequiredService<DemoSimulation>());
        return builder;
    }

    /// <summary>
    /// EVSE links are thousands of WebSocket requests that last for days. They take a short branch of their own —
    /// routing, the hub's authorization (which authenticates the EVSE's credential only), the hub — so that none of the
    /// pages' middleware (error pages, the sign-in cookie, antiforgery) stays suspended on every connection's stack:
    /// about 1 KiB of heap per EVSE (docs/benchmarks.md). Must come first in the pipeline.
    /// </summary>
    public static WebApplication UseEvseLinks(this WebApplication app)
    {
        app.MapWhen(c => c.Request.Path.StartsWithSegments(EvseHub.Path, StringComparison.OrdinalIgnoreCase), evse =>
        {
            evse.UseRouting(); // a branch has its own routing world: the hub is mapped here
            evse.UseAuthorization();
            evse.UseEndpoints(e => e.MapHub<EvseHub>(EvseHub.Path, o => o.ApplicationMaxBufferSize = EvseHub.MaximumMessageBytes));
        });
        return app;
    }

    public static WebApplication MapEvseHub(this WebApplication app)
    {
        app.MapHub<TelematicsHub>(TelematicsHub.Path, o => o.ApplicationMaxBufferSize = EvseHub.MaximumMessageBytes);
        app.MapPrivacyExport();
        app.MapDriverStop();
        _ = app.Services.GetRequiredService<Sites.PowerHistory>(); // starts recording power from the first status report
        return app;
    }
}
