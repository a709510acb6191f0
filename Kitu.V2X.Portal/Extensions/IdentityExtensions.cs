using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Components.Account;
using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
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
