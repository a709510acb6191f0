using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// The certificate that encrypts the data-protection key ring at rest (the keys that protect sign-in cookies and the
/// device keys in the grid store). It lives apart from the data folder, so a copy of the data folder alone — a backup, a
/// stolen disk image — decrypts nothing. Configured as a PKCS#12 file (<c>Storage:KeyProtectionCertificate</c>, with
/// <c>Storage:KeyProtectionCertificatePassword</c>), or else made once per user account under the user's configuration
/// folder (<c>~/.config/kitu-v2x/</c>), readable by that user only.
/// </summary>
public static class KeyRingProtection
{
    public static X509Certificate2 Load(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.KeyProtectionCertificate is { Length: > 0 } configured)
        {
            return X509CertificateLoader.LoadPkcs12FromFile(configured, options.KeyProtectionCertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
        }

        var directory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "kitu-v2x");
        PrivateFolders.Create(directory);
        var path = Path.Combine(directory, "key-ring-protection.pfx");
        using var gate = new Mutex(false, "kitu-v2x-key-ring-protection");
        var owned = gate.WaitOne(TimeSpan.FromSeconds(30));
        try
        {
            if (!File.Exists(path))
            {
                // RSA: the key ring's XML encryption wraps its keys with the certificate's RSA key.
                using var rsa = RSA.Create(3072);
                var request = new CertificateRequest("CN=Kitu V2X Portal key ring protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, true));
                using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(50));
                var temporary = path + "." + Guid.NewGuid().ToString("N");
                File.WriteAllBytes(temporary, certificate.Export(X509ContentType.Pkcs12));
                PrivateFolders.Restrict(temporary);
                File.Move(temporary, path, overwrite: false);
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            // another process made it first
        }
        finally
        {
            if (owned)
            {
                gate.ReleaseMutex();
            }
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, null, X509KeyStorageFlags.EphemeralKeySet);
    }
}

/// <summary>Folders and files that only the portal's own user may read: the data folder, its keys and secrets.</summary>
public static class PrivateFolders
{

    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (0700 on Unix) or, when it exists, takes its group's and others' access away.</summary>
    public static void Create(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, FolderMode);
        File.SetUnixFileMode(path, FolderMode);
    }

    /// <summary>0600 on Unix.</summary>
    public static void Restrict(string file)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(file))
        {
            File.SetUnixFileMode(file, FileMode);
        }
    }

    /// <summary>Every file directly in the folder and its subfolders, 0600; subfolders 0700.</summary>
    public static void RestrictAll(string folder)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(folder))
        {
            return;
        }

        foreach (var sub in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(sub, FolderMode);
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, FileMode);
        }
    }
}
