using Kitu.V2X.Portal.Sites;

namespace Kitu.V2X.Portal.Extensions;

internal static class SitesExtensions
{
    /// <summary>The site owner's services (consumer side): the chargers list and the bind switch.</summary>
    public static WebApplicationBuilder AddPortalSites(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ChargerGridSwitch>();
        builder.Services.AddScoped<SiteAdministration>();
        builder.Services.AddScoped<LotDashboard>();
        builder.Services.AddScoped<SiteAudit>();
        builder.Services.AddScoped<FleetVehicles>();
        builder.Services.AddSingleton<PowerHistory>();
        return builder;
    }
}
