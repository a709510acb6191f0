using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Components.Account;
using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;

namespace Kitu.V2X.Portal.Extensions;

internal static class IdentityExtensions
{
    public static WebApplicationBuilder AddPortalIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.AddAuthorization();

        // Cookies travel only over HTTPS in production (the portal must be served over HTTPS there, behind HSTS); in
        // development and tests they follow the request, so plain http://localhost keeps working. Security:CookiesOverHttpsOnly
        // overrides it (the benchmark runs a production portal over loopback HTTP).
        var secure = builder.Configuration.GetValue("Security:CookiesOverHttpsOnly", builder.Environment.IsProduction()) ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        services.ConfigureAll<CookieAuthenticationOptions>(o =>
        {
            o.Cookie.SecurePolicy = secure;
            o.Cookie.HttpOnly = true;
        });
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest); // "Always" throws on any plain-HTTP request, the error page included
        services.ConfigureApplicationCookie(cookie =>
        {
            // A caller of a cookie-authenticated API (/api/me/…) gets 401/403 with a problem body, not the login page.
            cookie.Events.OnRedirectToLogin = context => ApiAnswerOrRedirect(context, StatusCodes.Status401Unauthorized, "Sign in first.");
            cookie.Events.OnRedirectToAccessDenied = context => ApiAnswerOrRedirect(context, StatusCodes.Status403Forbidden, "This account may not do that.");
        });

        services.AddIdentityCore<PortalUser>(options =>
            {
                // No mail server ships with the portal; confirmation can be switched on where one is configured.
                options.SignIn.RequireConfirmedAccount = builder.Configuration.GetValue("Identity:RequireConfirmedAccount", false);
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
                options.User.RequireUniqueEmail = true;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                options.Password.RequiredLength = 8;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<PortalClaimsPrincipalFactory>();

        services.AddSingleton<IEmailSender<PortalUser>, IdentityNoOpEmailSender>();

        // No account enumeration: unknown addresses cost and lock as real ones do; the forms are rate limited per address.
        services.AddSingleton<AccountProbing>();
        var perMinute = builder.Configuration.GetValue($"{AccountRateLimits.Section}:AttemptsPerMinute", 10);
        services.AddRateLimiter(o => o.GlobalLimiter = System.Threading.RateLimiting.PartitionedRateLimiter.Create<HttpContext, string>(context => AccountRateLimits.Partition(context, perMinute)));
        return builder;
    }

    private static Task ApiAnswerOrRedirect(RedirectContext<CookieAuthenticationOptions> context, int status, string title)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }

        return Results.Problem(statusCode: status, title: title).ExecuteAsync(context.HttpContext);
    }
}
