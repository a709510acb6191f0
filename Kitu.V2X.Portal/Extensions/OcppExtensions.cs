using Kitu.V2X.Portal.Ocpp;

namespace Kitu.V2X.Portal.Extensions;

internal static class OcppExtensions
{
    /// <summary>The OCPP gateway: schemas, the stations' state, the endpoint. Profile 1 (no TLS) is allowed in demo mode only.</summary>
    public static WebApplicationBuilder AddOcpp(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<OcppOptions>(o =>
        {
            configuration.GetSection(OcppOptions.Section).Bind(o);
            o.AllowUnsecured = configuration.GetValue<bool?>($"{OcppOptions.Section}:AllowUnsecured") ?? configuration.GetValue("Demo:Enabled", false);
        });
        // Profile 3: the HTTPS endpoints ask for a client certificate, taken as is by TLS and checked by the gateway
        // against the station CAs (a browser without one connects as before).
        if (!string.IsNullOrWhiteSpace(configuration[$"{OcppOptions.Section}:StationCaPath"]))
        {
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https =>
            {
                https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = (_, _, _) => true;
            }));
        }

        builder.Services.AddSingleton<OcppSchemas>();
        builder.Services.AddSingleton<OcppStations>();
        builder.Services.AddSingleton<StationCertificateIssuer>();
        builder.Services.AddSingleton<OcppEndpoint>();
        return builder;
    }

    /// <summary>
    /// OCPP links take a short branch of their own, as the EVSE hub's do (no page middleware stays on a link's stack);
    /// the station authenticates inside the endpoint (Basic, its station id and password). Must come first.
    /// </summary>
    public static WebApplication UseOcppLinks(this WebApplication app)
    {
        // The official schemas are built once, at start: a missing or broken one fails the start, not a station's call,
        // and the first station does not wait for 309 schemas to build.
        _ = app.Services.GetRequiredService<OcppSchemas>();
        app.MapWhen(c => c.Request.Path.StartsWithSegments(OcppEndpoint.PathPrefix, StringComparison.Ordinal), ocpp =>
        {
            ocpp.UseWebSockets();
            ocpp.Run(c => c.RequestServices.GetRequiredService<OcppEndpoint>().HandleAsync(c));
        });
        return app;
    }
}
