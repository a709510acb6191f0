using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// Resolves the data directory and the two stores' connection strings once, at first use, from the final
/// configuration (so hosts and tests that override settings are honoured). The directory is created if missing, for
/// the portal's own user only.
/// </summary>
public sealed class PortalStorage
{
    public PortalStorage(IOptions<StorageOptions> options, IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = options.Value.DataDirectory;
        DataDirectory = Path.GetFullPath(Path.IsPathRooted(configured) ? configured : Path.Combine(environment.ContentRootPath, configured));
        PrivateFolders.Create(DataDirectory);
        Provider = options.Value.Provider;
        PortalConnectionString = ConnectionString(configuration, "Portal", "portal.db");
        GridConnectionString = ConnectionString(configuration, "Grid", "grid.db");
    }

    /// <summary>The engine of both stores.</summary>
    public StorageProvider Provider { get; }

    public string DataDirectory { get; }

    public string PortalConnectionString { get; }

    public string GridConnectionString { get; }

    public string KeysDirectory => Path.Combine(DataDirectory, "keys");

    /// <summary>The configured connection string of a store; on SQLite, its file in the data directory when none is given.</summary>
    private string ConnectionString(IConfiguration configuration, string store, string sqliteFile) =>
        configuration.GetConnectionString(store) is { Length: > 0 } configured ? configured
        : Provider == StorageProvider.Sqlite ? $"Data Source={Path.Combine(DataDirectory, sqliteFile)}"
        : throw new InvalidOperationException($"Storage:Provider is {Provider}: set ConnectionStrings:{store} (for example \"Host=db;Database=kitu_{store.ToLowerInvariant()};Username=kitu;Password=…\"). The portal and grid stores are separate databases.");
}
