using System.Security.Claims;
using System.Threading.RateLimiting;
using Kitu.V2X.Portal.Api;
using Microsoft.AspNetCore.Authentication;
using Scalar.AspNetCore;

namespace Kitu.V2X.Portal.Extensions;

internal static class ApiExtensions
{
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
                context.HttpContext.Response.ContentType = "application/problem+json";
                await context.HttpContext.Response.WriteAsJsonAsync(new { title = "Too many requests", status = 429, detail = "Slow down: this API key is over its per-minute limit." }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
            };
            o.AddPolicy(OperatorApi.RateLimitPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.User.FindFirstValue(ApiKeyAuthentication.KeyClaim) ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = builder.Configuration.GetValue("Api:RequestsPerMinute", 120), Window = TimeSpan.FromMinutes(1) }));
        });
        services.AddOpenApi("v1", o => o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true);
        services.AddScoped<Programs.OperatorApiKeys>();
        return builder;
    }

    public static WebApplication MapOperatorApi(this WebApplication app)
    {
        app.UseRateLimiter();
        OperatorApi.MapOperatorApi(app);
        app.MapOpenApi("/api/openapi/{documentName}.json");
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("Kitu V2X operator API").WithOpenApiRoutePattern("/api/openapi/{documentName}.json"));
        return app;
    }
}
