using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Kitu.V2X.Portal.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Tests.Integration;

/// <summary>
/// The real portal in-process (TestServer) over its own temporary data directory, so every test class
/// starts from fresh SQLite files, migrated and, in demo mode, seeded. With <c>KITU_TEST_POSTGRES</c> set (a
/// connection string to a throwaway PostgreSQL server, as test.sh starts one), the stores are instead two new PostgreSQL
/// databases named after the data directory — a restart over the same directory finds the same databases.
/// </summary>
public class PortalFactory : WebApplicationFactory<Program>
{
    public PortalFactory()
        : this(null)
    {
    }

    protected PortalFactory(string? dataDirectory) =>
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "kitu-tests", Guid.NewGuid().ToString("N"));

    public string DataDirectory { get; }

    /// <summary>Keep the data directory on dispose (a restart test opens it again).</summary>
    public bool KeepData { get; set; }

    protected virtual bool DemoEnabled => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Demo:Enabled", DemoEnabled ? "true" : "false");
        builder.UseSetting("Sandbox:Enabled", DemoEnabled ? "true" : "false");
        builder.UseSetting("Sandbox:Port", "0");
        builder.UseSetting("Simulation:Enabled", "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Accounts:AttemptsPerMinute", "10000"); // tests log in from one address; the limit has tests of its own
        if (PostgreSqlServer is not null)
        {
            builder.UseSetting("Storage:Provider", "PostgreSql");
            builder.UseSetting("ConnectionStrings:Portal", ConnectionString("portal"));
            builder.UseSetting("ConnectionStrings:Grid", ConnectionString("grid"));
        }
    }

    /// <summary>The engine this portal's stores run on.</summary>
    public static StorageProvider Engine => PostgreSqlServer is null ? StorageProvider.Sqlite : StorageProvider.PostgreSql;

    /// <summary>This portal's grid store, opened outside its host (which may have stopped).</summary>
    public GridDbContext OpenGridStore() => new(new DbContextOptionsBuilder<GridDbContext>().UseStore(Engine, ConnectionString("grid")).Options);

    /// <summary>A store's connection string: its SQLite file in the data directory, or its PostgreSQL database named after that directory.</summary>
    public string ConnectionString(string store) => ConnectionString(DataDirectory, store);

    /// <summary>The same for any data directory (a portal run as its own process over it).</summary>
    public static string ConnectionString(string dataDirectory, string store) =>
        PostgreSqlServer is { } server ? $"{server};Database=kitu_{Path.GetFileName(dataDirectory)}_{store}" : $"Data Source={Path.Combine(dataDirectory, store + ".db")}";

    /// <summary>The throwaway PostgreSQL server the suite runs on, or null for SQLite (the default).</summary>
    public static string? PostgreSqlServer => Environment.GetEnvironmentVariable("KITU_TEST_POSTGRES") is { Length: > 0 } s ? s : null;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (KeepData)
        {
            GC.SuppressFinalize(this);
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled connection; the OS temp cleaner takes it.
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The portal with demo mode off, as in production.</summary>
public sealed class ProductionPortalFactory : PortalFactory
{
    protected override bool DemoEnabled => false;
}
