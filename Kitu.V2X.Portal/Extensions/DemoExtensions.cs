using Kitu.V2X.Portal.Demo;

namespace Kitu.V2X.Portal.Extensions;

internal static class DemoExtensions
{
    public static WebApplicationBuilder AddDemoMode(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.Section));
        builder.Services.AddScoped<DemoSeeder>();
        return builder;
    }
}
