using Kitu.V2X.Portal.Accounts;
using Kitu.V2X.Portal.Components;
using MudBlazor.Services;

namespace Kitu.V2X.Portal.Extensions;

internal static class UiExtensions
{
    public static WebApplicationBuilder AddPortalUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<AccountAdministration>();
        return builder;
    }

    public static WebApplication UsePortalPipeline(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.UseMigrationsEndPoint();
        }
        else
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }

        // Friendly pages for people. An empty error response is re-executed as the not-found page; APIs always answer
        // with a problem body, which the middleware leaves alone.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);

        // Called here, not left to WebApplication (which would put them first): the EVSE links branch off before them.
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapPortalHealth();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAdditionalIdentityEndpoints();
        return app;
    }
}
