using Kitu.V2X.Portal.Data;
using Microsoft.AspNetCore.DataProtection;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// Small secrets (certificate authorities with their keys) kept in the data directory, encrypted with the host's
/// data protection keys; created on first use. Never in the repository.
/// </summary>
public sealed class ProtectedFiles(PortalStorage storage, IDataProtectionProvider protection)
{
    private readonly IDataProtector protector = protection.CreateProtector("Kitu.V2X.Portal.Grid.ProtectedFiles");
    private readonly Lock gate = new();

    public byte[] Protect(byte[] secret) => protector.Protect(secret);

    public byte[] Unprotect(byte[] protectedSecret) => protector.Unprotect(protectedSecret);

    public byte[] LoadOrCreate(string name, Func<byte[]> create)
    {
        lock (gate)
        {
            var directory = Path.Combine(storage.DataDirectory, "secrets");
            PrivateFolders.Create(directory);
            var path = Path.Combine(directory, name + ".protected");
            if (File.Exists(path))
            {
                return protector.Unprotect(File.ReadAllBytes(path));
            }

            var secret = create();
            File.WriteAllBytes(path, protector.Protect(secret));
            PrivateFolders.Restrict(path);
            return secret;
        }
    }
}
