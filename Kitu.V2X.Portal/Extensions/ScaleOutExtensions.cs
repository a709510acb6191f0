using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Kitu.V2X.Portal.Extensions;

internal static class ScaleOutExtensions
{
    /// <summary>
    /// Several instances: with <c>Redis:Configuration</c> set (a StackExchange.Redis configuration, for example
    /// <c>redis:6379</c>), SignalR's groups and messages cross instances through Redis (channels prefixed <c>kitu</c>),
    /// so do the live pages' pushes and the car makers' telematics hub (<see cref="ScaleOut.ChangeRelay"/>) and the EVSE links (<see cref="ScaleOut.LinkBridge"/>:
    /// every instance sees and reaches every EVSE), and readiness covers Redis. The portal starts while Redis is unreachable and connects when it comes back.
    /// Unset (the default, one process): nothing of this is used.
    /// </summary>
    public static WebApplicationBuilder AddPortalScaleOut(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ScaleOut.ScaleOutStatus>();
        builder.Services.AddSingleton<ScaleOut.RedisBus>(); // connects on first use, only with Redis:Configuration
        if (builder.Configuration["Redis:Configuration"] is not { Length: > 0 } configuration)
        {
            return builder;
        }

        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false; // start without Redis; reconnect in the background
        options.ClientName ??= "kitu-v2x-portal";
        builder.Services.AddSignalR().AddStackExchangeRedis(o =>
        {
            o.Configuration = options;
            o.Configuration.ChannelPrefix = RedisChannel.Literal("kitu");
        });
        // The EVSE hub keeps SignalR's in-process lifetime manager: it only ever sends to its own connections, and what
        // an EVSE on another instance must hear crosses through the link bridge. Redis's manager would subscribe one
        // channel per connection (tens of thousands on a loaded instance) for nothing.
        builder.Services.AddSingleton<HubLifetimeManager<Hubs.EvseHub>, DefaultHubLifetimeManager<Hubs.EvseHub>>();
        builder.Services.AddSingleton<ScaleOut.ChangeRelay>(); // live pages across instances
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScaleOut.ChangeRelay>());
        builder.Services.AddSingleton<ScaleOut.LinkBridge>(); // EVSE links across instances
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ScaleOut.LinkBridge>());
        builder.Services.AddHealthChecks().AddRedis(configuration, "redis", HealthStatus.Unhealthy, tags: [HealthExtensions.Ready], timeout: TimeSpan.FromSeconds(3));
        return builder;
    }
}
