using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
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

    /// <summary>A portal store at that connection string: a SQLite file ("Data Source=…"), else PostgreSQL.</summary>
    public static PortalDbContext Portal(string connectionString) =>
        new(new DbContextOptionsBuilder<PortalDbContext>()
            .UseStore(connectionString.StartsWith("Data Source=", StringComparison.Ordinal) ? StorageProvider.Sqlite : StorageProvider.PostgreSql, connectionString)
            .UseApplicationServiceProvider(IdentityServices).Options);

    /// <summary>
    /// A new, empty portal store on the engine the suite runs on: a SQLite file in the temporary folder, or a new database
    /// on the suite's PostgreSQL server (<see cref="PortalFactory.PostgreSqlServer"/>).
    /// </summary>
    public static string NewPortalStore(string name) =>
        PortalFactory.PostgreSqlServer is { } server
            ? $"{server};Database=kitu_{name}_{Guid.NewGuid():N}"
            : $"Data Source={Path.Combine(Path.GetTempPath(), $"kitu-{name}-{Guid.NewGuid():N}.db")}";

    /// <summary>Removes a store made by <see cref="NewPortalStore"/>.</summary>
    public static async Task DeleteAsync(string connectionString)
    {
        if (connectionString.StartsWith("Data Source=", StringComparison.Ordinal))
        {
            SqliteConnection.ClearAllPools();
            File.Delete(new SqliteConnectionStringBuilder(connectionString).DataSource);
            return;
        }

        await using var db = Portal(connectionString);
        await db.Database.EnsureDeletedAsync();
    }
}
