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
    /// (grid side): each its own SQLite file in the data directory unless a connection string is given, or each its own
    /// PostgreSQL database (<c>Storage:Provider</c> = <c>PostgreSql</c>).
    /// </summary>
    public static WebApplicationBuilder AddPortalData(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        services.AddSingleton<PortalStorage>();

        services.AddDbContext<PortalDbContext>((sp, o) => UseStore(o, sp, sp.GetRequiredService<PortalStorage>().PortalConnectionString));
        services.AddDbContext<GridDbContext>((sp, o) => UseStore(o, sp, sp.GetRequiredService<PortalStorage>().GridConnectionString));
        services.AddDbContextFactory<PortalDbContext>((sp, o) => UseStore(o, sp, sp.GetRequiredService<PortalStorage>().PortalConnectionString), ServiceLifetime.Scoped);
        services.AddDbContextFactory<GridDbContext>((sp, o) => UseStore(o, sp, sp.GetRequiredService<PortalStorage>().GridConnectionString), ServiceLifetime.Scoped);
        services.AddDatabaseDeveloperPageExceptionFilter();

        // Keys protect sign-in cookies, antiforgery tokens and the device keys in the grid store, encrypted at rest with a
        // certificate kept apart from the data (KeyRingProtection). On SQLite they live in the data folder (its user's
        // only, PrivateFolders), as they always have; on PostgreSQL in the portal database, so every instance reads the
        // same ring (each must load the same protection certificate: Storage:KeyProtectionCertificate).
        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var dataProtection = services.AddDataProtection().SetApplicationName("Kitu.V2X.Portal").ProtectKeysWithCertificate(KeyRingProtection.Load(storage));
        if (storage.Provider == StorageProvider.PostgreSql)
        {
            dataProtection.PersistKeysToDbContext<PortalDbContext>();
        }
        else
        {
            services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
                o.XmlRepository = new FileSystemXmlRepository(
                    new DirectoryInfo(sp.GetRequiredService<PortalStorage>().KeysDirectory),
                    sp.GetRequiredService<ILoggerFactory>())));
        }

        services.AddHostedService<StartupTasks>();
        return builder;
    }

    private static void UseStore(DbContextOptionsBuilder options, IServiceProvider services, string connectionString) =>
        options.UseStore(services.GetRequiredService<PortalStorage>().Provider, connectionString);
}
