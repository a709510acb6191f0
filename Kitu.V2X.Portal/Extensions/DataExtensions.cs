using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Extensions;

internal static class DataExtensions
{
    /// <summary>
    /// Two stores, one per layer: <see cref="PortalDbContext"/> (consumer side) and <see cref="GridDbContext"/>
    /// (grid side), each its own SQLite file in the data directory unless a connection string is given.
    /// </summary>
    public static WebApplicationBuilder AddPortalData(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        services.AddSingleton<PortalStorage>();

        services.AddDbContext<PortalDbContext>((sp, o) => o.UseSqlite(sp.GetRequiredService<PortalStorage>().PortalConnectionString));
        services.AddDbContext<GridDbContext>((sp, o) => o.UseSqlite(sp.GetRequiredService<PortalStorage>().GridConnectionString));
        services.AddDbContextFactory<PortalDbContext>((sp, o) => o.UseSqlite(sp.GetRequiredService<PortalStorage>().PortalConnectionString), ServiceLifetime.Scoped);
        services.AddDbContextFactory<GridDbContext>((sp, o) => o.UseSqlite(sp.GetRequiredService<PortalStorage>().GridConnectionString), ServiceLifetime.Scoped);
        services.AddDatabaseDeveloperPageExceptionFilter();

        // Keys live with the data so cookies and protected device keys survive restarts, encrypted with a certificate
        // kept apart from it (KeyRingProtection). The data folder is its user's only (PrivateFolders).
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        services.AddDataProtection().SetApplicationName("Kitu.V2X.Portal").ProtectKeysWithCertificate(KeyRingProtection.Load(storage));
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(sp.GetRequiredService<PortalStorage>().KeysDirectory),
                sp.GetRequiredService<ILoggerFactory>())));

        services.AddHostedService<StartupTasks>();
        return builder;
    }
}
