using System.Text.Json;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kitu.V2X.Portal.Extensions;

internal static class HealthExtensions
{
    public const string Ready = "ready";

    public static WebApplicationBuilder AddPortalHealth(this WebApplicationBuilder builder)
    {
        // Ctrl+C or SIGTERM: the background work stops and flushes (grid rules kept, the mediator's pass saved) within this.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseReadyCheck<PortalDbContext>>("portal-db", tags: [Ready])
            .AddCheck<DatabaseReadyCheck<GridDbContext>>("grid-db", tags: [Ready]);
        return builder;
    }

    /// <summary>
    /// Once the host is stopping, every new request — an EVSE reconnecting at once, a page, a probe — is refused (503,
    /// Retry-After, connection closed) instead of being served by a host about to go: the live links the host closed
    /// on stopping would otherwise come straight back and hold its shutdown until the timeout, and a load balancer
    /// sends them to another instance.
    /// </summary>
    public static WebApplication UseDrainingOnShutdown(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use((context, next) =>
        {
            if (!stopping.IsCancellationRequested)
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            context.Response.Headers.Connection = "close";
            return Task.CompletedTask;
        });
        return app;
    }

    /// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: both databases are usable (503 with the reason if not).</summary>
    public static WebApplication MapPortalHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteJson });

        // For the benchmark harness only (Diagnostics:Memory=true): memory after forced full collections.
        if (app.Configuration.GetValue<bool>("Diagnostics:Memory"))
        {
            app.MapGet("/diagnostics/memory", () => Results.Ok(Memory.Measure()));

            // How many EVSE links are live (of them, held by this instance: with several instances it sees the others'),
            // and how many of those chargers are grid-integrated (counts only).
            app.MapGet("/diagnostics/links", (Hubs.EvseConnections connections, Grid.GridRulesFeed grid) =>
            {
                var live = connections.All.ToList();
                return Results.Ok(new
                {
                    links = live.Count,
                    here = live.Count(l => l.IsLocal),
                    integrated = live.Count(l => grid.Get(l.EvseId).Integration == Domain.GridSecurity.GridIntegration.Integrated),
                });
            });
        }
        return app;
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
