using Kitu.V2X.Portal.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Kitu.V2X.Portal.Extensions;

internal static class TelemetryExtensions
{
    /// <summary>
    /// OpenTelemetry: ASP.NET Core, HttpClient and runtime instrumentation plus the portal's own meters
    /// (<see cref="PortalMeters"/>, <see cref="Grid.GridMeters"/>), on a Prometheus scrape endpoint (<c>/metrics</c>);
    /// metrics and traces (the portal's requests, its outgoing 2030.5 calls, Npgsql's commands) also go to an OTLP
    /// collector when <c>Telemetry:OtlpEndpoint</c> is set. W3C trace context crosses instances with each HTTP call.
    /// </summary>
    public static WebApplicationBuilder AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<PortalInstance>();
        services.AddSingleton<PortalMeters>();
        services.AddHostedService(sp => sp.GetRequiredService<PortalMeters>());

        var otlp = builder.Configuration["Telemetry:OtlpEndpoint"] is { Length: > 0 } endpoint ? new Uri(endpoint) : null;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("kitu-v2x-portal", serviceInstanceId: new PortalInstance(builder.Configuration).Id))
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation()
                    .AddMeter(PortalMeters.MeterName, Grid.GridMeters.MeterName)
                    .AddPrometheusExporter();
                if (otlp is not null)
                {
                    m.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            })
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddSource("Npgsql");
                if (otlp is not null)
                {
                    t.AddOtlpExporter(o => o.Endpoint = otlp);
                }
            });
        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> in Prometheus' text format, for callers on this machine (a node's scraper, a sidecar) unless
    /// <c>Telemetry:ScrapeFromAnywhere</c> is set; elsewhere it does not exist (404). It carries counts only.
    /// </summary>
    public static WebApplication UsePortalTelemetry(this WebApplication app)
    {
        var anywhere = app.Configuration.GetValue<bool>("Telemetry:ScrapeFromAnywhere");
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == "/metrics"
            && (anywhere || (context.Connection.RemoteIpAddress is { } ip && System.Net.IPAddress.IsLoopback(ip)) || context.Connection.RemoteIpAddress is null));
        return app;
    }
}
