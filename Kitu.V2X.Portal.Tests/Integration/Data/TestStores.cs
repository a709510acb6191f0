using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Kitu.V2X.Portal.Tests.Integration.Data;

/// <summary>Stores built outside the web host, configured as the host configures them.</summary>
internal static class TestStores
{
    // Identity reads its schema version (passkeys table) from the application's IdentityOptions, as the portal sets them.
    private static readonly IServiceProvider IdentityServices = new ServiceCollection()
        .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
        .BuildServiceProvider();

    public static PortalDbContext Portal(string connectionString) =>
        new(new DbContextOptionsBuilder<PortalDbContext>().UseSqlite(connectionString).UseApplicationServiceProvider(IdentityServices).Options);
}
