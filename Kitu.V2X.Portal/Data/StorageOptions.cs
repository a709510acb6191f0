namespace Kitu.V2X.Portal.Data;

/// <summary>Where the portal keeps its data. Bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder of the SQLite files and the data-protection keys; relative paths are under the content root.</summary>
    public string DataDirectory { get; set; } = "App_Data";

    /// <summary>
    /// A PKCS#12 file (RSA) whose certificate encrypts the data-protection key ring; kept apart from the data folder.
    /// Unset: one is made per user account under <c>~/.config/kitu-v2x/</c>.
    /// </summary>
    public string? KeyProtectionCertificate { get; set; }

    public string? KeyProtectionCertificatePassword { get; set; }
}
