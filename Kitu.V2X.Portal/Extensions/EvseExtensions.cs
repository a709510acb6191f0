using Kitu.V2X.Portal.Drivers;
using Kitu.V2X.Portal.Hubs;
using Kitu.V2X.Portal.Simulation;
using Kitu.V2X.Portal.Sites;
using Kitu.V2X.Portal.Discharge;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;

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

        // A fleet reconnects together after a restart or a network cut: thousands of connects within a second or two.
        // Kestrel's default accept queue (512) overflows, and the kernel drops the connects it cannot queue; each comes
        // back only after TCP's back-off (1, 3, 7, 15 s…). A deeper queue (the kernel caps it at net.core.somaxconn)
        // lets them wait their turn instead. Setting Kestrel:AcceptBacklog.
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(o =>
            o.Backlog = builder.Configuration.GetValue("Kestrel:AcceptBacklog", 4096));
        // A full portal refuses the next connection instead of running out of file descriptors (ConnectionLimits).
        var descriptors = ConnectionLimits.DescriptorLimit();
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => ConnectionLimits.Apply(o.Limits, builder.Configuration, descriptors));
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, EvseKeyAuthentication>(EvseKeyAuthentication.SchemeName, null);
        // Refused calls are logged once per link and quiet period, without a stack (HubCallLogging), not by SignalR's
        // dispatcher, which logs each as an error with its stack: 20,000 bad calls once wrote 19.5 MB.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.None);
        services.AddSingleton<HubCallLogging>();
        services.AddSignalR(o => o.AddFilter<HubCallLogging>()).AddHubOptions<EvseHub>(o =>
        {
            o.MaximumReceiveMessageSize = EvseHub.MaximumMessageBytes;
            o.MaximumParallelInvocationsPerClient = 1;
            o.EnableDetailedErrors = false;
            // A link the portal hears nothing from (no message, no ping) for this long is closed: SignalR's 30 s by
            // default, twice a client's 15 s ping, and the least; longer for chargers on links that stall (cellular),
            // up to 10 min.
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(Math.Clamp(builder.Configuration.GetValue("Evse:ClientTimeoutSeconds", 30), 30, 600));
        }).AddMessagePackProtocol().AddHubOptions<TelematicsHub>(o =>
        {
            o.MaximumReceiveMessageSize = EvseHub.MaximumMessageBytes;
            o.EnableDetailedErrors = false;
        });
        services.Configure<MediatorOptions>(builder.Configuration.GetSection(MediatorOptions.Section));
        services.Configure<SimulationOptions>(builder.Configuration.GetSection(SimulationOptions.Section));
        services.AddSingleton<EvseConnections>();
        services.AddSingleton<EvseReports>();
        services.AddSingleton<VehicleClaims>();
        services.AddHostedService(sp => sp.GetRequiredService<VehicleClaims>());
        services.AddSingleton<TelematicsLinks>();
        services.AddSingleton<MediatorNotifier>();
        services.AddScoped<EvseProvisioning>();
        services.AddScoped<Drivers.DriverNow>();
        services.AddScoped<Drivers.DriverSettings>();
        services.AddScoped<Drivers.DriverVehicles>();
        services.AddScoped<Drivers.DriverPrograms>();
        services.AddScoped<Drivers.DriverHistory>();
        services.AddScoped<Summaries.IRoleSummaries, Summaries.RoleSummaries>();
        services.AddScoped<Programs.ProgramDispatch>();
        services.AddScoped<Programs.DispatchEvent>();
        services.AddScoped<Programs.CancelEvent>();
        services.AddScoped<Programs.EventReports>();
        services.AddSingleton<Programs.EventPowerSeries>();
        // The mediator's parts (Discharge/): the live view, the inbox the links answer into, the transports behind the
        // command-link seam, the relay, planner and watch, one pass, the facade, and the pacer that runs the passes.
        services.AddSingleton<LiveCommands>();
        services.AddSingleton<CommandInbox>();
        services.AddSingleton<ICommandTransport, EvseCommandTransport>();
        services.AddSingleton<ICommandTransport, TelematicsCommandTransport>();
        services.AddSingleton<CommandLinks>();
        services.AddSingleton<CommandRelay>();
        services.AddSingleton<DischargePlanner>();
        services.AddSingleton<CommandWatch>();
        services.AddSingleton<DischargePass>();
        services.AddSingleton<DischargeMediator>();
        services.AddSingleton<ScaleOut.MediatorLease>();
        services.AddSingleton<ScaleOut.HeldLease>(sp => sp.GetRequiredService<ScaleOut.MediatorLease>());
        services.AddHostedService(sp => sp.GetRequiredService<ScaleOut.MediatorLease>()); // before the pacer, which waits for it
        services.AddHostedService<DischargePacer>();
        services.AddSingleton<EvseLinkMessages>();
        services.AddHostedService(sp => sp.GetRequiredService<EvseLinkMessages>());
        services.AddSingleton<ScaleOut.SimulationLease>();
        services.AddHostedService(sp => sp.GetRequiredService<ScaleOut.SimulationLease>());
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
            evse.UseEndpoints(e => e.MapHub<EvseHub>(EvseHub.Path, o => o.ApplicationMaxBufferSize = EvseHub.MaximumMessageBytes)
                .RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute { AuthenticationSchemes = EvseKeyAuthentication.SchemeName }));
        });
        return app;
    }

    public static WebApplication MapEvseHub(this WebApplication app)
    {
        app.MapHub<TelematicsHub>(TelematicsHub.Path, o => o.ApplicationMaxBufferSize = EvseHub.MaximumMessageBytes);
        app.MapPrivacyExport();
        app.MapDriverStop();
        app.MapIdentityDownloads();
        _ = app.Services.GetRequiredService<Sites.PowerHistory>(); // starts recording power from the first status report
        return app;
    }
}
