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
        PortalConnectionString = configuration.GetConnectionString("Portal") is { Length: > 0 } portal ? portal : SqliteFile("portal.db");
        GridConnectionString = configuration.GetConnectionString("Grid") is { Length: > 0 } grid ? grid : SqliteFile("grid.db");
    }

    public string DataDirectory { get; }

    public string PortalConnectionString { get; }

    public string GridConnectionString { get; }

    public string KeysDirectory => Path.Combine(DataDirectory, "keys");

    private string SqliteFile(string name) => $"Data Source={Path.Combine(DataDirectory, name)}";
}
