using System.Security.Claims;
using System.Threading.RateLimiting;
using Kitu.V2X.Portal.Api;
using Microsoft.AspNetCore.Authentication;
using Scalar.AspNetCore;

namespace Kitu.V2X.Portal.Extensions;

internal static class ApiExtensions
{
    private const long DrainBytes = 4 * 1024 * 1024;

    /// <summary>The operators' REST API: API-key authentication, a rate limit per key, problem+json, OpenAPI.</summary>
    public static WebApplicationBuilder AddOperatorApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddProblemDetails();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                var response = context.HttpContext.Response;
                response.Headers.RetryAfter = "60";
                if (Accounts.AccountRateLimits.IsAccountForm(context.HttpContext))
                {
                    response.ContentType = "text/plain; charset=utf-8";
                    await response.WriteAsync("Too many attempts from your network. Wait a minute, then try again.", ct);
                    return;
                }

                response.ContentType = "application/problem+json";
                await response.WriteAsJsonAsync(new { title = "Too many requests", status = 429, detail = "Slow down: this API key is over its per-minute limit." }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
            };
            o.AddPolicy(OperatorApi.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.User.FindFirstValue(ApiKeyAuthentication.KeyClaim) ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = builder.Configuration.GetValue("Api:RequestsPerMinute", 120), Window = TimeSpan.FromMinutes(1) }));
        });
        services.AddOpenApi("v1", o => o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true);
        services.AddScoped<Programs.OperatorApiKeys>();
        return builder;
    }

    /// <summary>Logs the API's refusals, a short line each and rate limited (placed before authentication, to see 401s too).</summary>
    public static WebApplication UseOperatorApiLogging(this WebApplication app)
    {
        var rejections = ActivatorUtilities.CreateInstance<ApiRejectionLog>(app.Services);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(OperatorApi.Prefix), branch => branch.Use(rejections.InvokeAsync));
        return app;
    }

    public static WebApplication MapOperatorApi(this WebApplication app)
    {
        // A body over the limit is refused from its Content-Length, before anything parses it (a chunked one is cut off
        // at the same size by the endpoint's request size limit). Up to 4 MiB of it is read and dropped first, so the
        // client, still sending, gets the 413 rather than a connection reset; beyond that the connection closes (a
        // client that sends "Expect: 100-continue" gets the 413 before it sends anything).
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(OperatorApi.Prefix) || context.Request.ContentLength is not > OperatorApi.MaxBodyBytes)
            {
                await next(context);
                return;
            }

            if (context.Request.ContentLength <= DrainBytes && !context.Request.Headers.Expect.Any(e => e?.Contains("100-continue", StringComparison.OrdinalIgnoreCase) == true)
                && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = DrainBytes; // only to drop it: nothing parses it
                await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            }
            else
            {
                context.Response.Headers.Connection = "close";
            }

            await Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large", detail: $"A request body is at most {OperatorApi.MaxBodyBytes / 1024} KiB.").ExecuteAsync(context);
        });
        app.UseRateLimiter();
        OperatorApi.MapOperatorApi(app);
        app.MapOpenApi("/api/openapi/{documentName}.json");
        // Nothing from outside the portal: no web fonts from a CDN, no telemetry (the reference's script is served from the package).
        app.MapScalarApiReference("/api/docs", o =>
        {
            o.WithTitle("Kitu V2X operator API").WithOpenApiRoutePattern("/api/openapi/{documentName}.json").DisableDefaultFonts();
            o.Telemetry = false;
        });
        return app;
    }
}
