using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace Kitu.V2X.Portal.Tests.Integration;

/// <summary>
/// The real portal in-process (TestServer) over its own temporary data directory, so every test class
/// starts from fresh SQLite files, migrated and, in demo mode, seeded.
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
    }

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
