namespace Kitu.V2X.Portal.Data;

/// <summary>Where the portal keeps its data. Bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// The engine of both stores: <see cref="StorageProvider.Sqlite"/> (files in <see cref="DataDirectory"/>, the default)
    /// or <see cref="StorageProvider.PostgreSql"/> (connection strings <c>ConnectionStrings:Portal</c> and
    /// <c>ConnectionStrings:Grid</c>, required), for several portal instances sharing one database.
    /// </summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Folder of the SQLite files and the data-protection keys; relative paths are under the content root.</summary>
    public string DataDirectory { get; set; } = "App_Data";

    /// <summary>
    /// A PKCS#12 file (RSA) whose certificate encrypts the data-protection key ring; kept apart from the data folder.
    /// Unset: one is made per user account under <c>~/.config/kitu-v2x/</c>.
    /// </summary>
    public string? KeyProtectionCertificate { get; set; }

    public string? KeyProtectionCertificatePassword { get; set; }
}

/// <summary>The database engines the portal's stores run on; each has its own migrations.</summary>
public enum StorageProvider
{
    Sqlite,
    PostgreSql,
}
