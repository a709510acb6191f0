using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// Small secrets (certificate authorities with their keys), encrypted with the host's data protection keys and created
/// on first use; never in the repository. On SQLite (one instance) they are files in the data directory's
/// <c>secrets</c> folder. On PostgreSQL (several instances, one shared key ring) they are rows of the grid store, so
/// every instance issues with the same device CA: the first instance to need one creates it, the others read it; a
/// secret an instance still has as a file (an installation from before) moves into the store as it is, so a CA a utility
/// already trusts stays the same.
/// </summary>
public sealed class ProtectedFiles(PortalStorage storage, IDataProtectionProvider protection, IServiceScopeFactory scopes)
{
    private readonly IDataProtector protector = protection.CreateProtector("Kitu.V2X.Portal.Grid.ProtectedFiles");
    private readonly Lock gate = new();

    public byte[] Protect(byte[] secret) => protector.Protect(secret);

    public byte[] Unprotect(byte[] protectedSecret) => protector.Unprotect(protectedSecret);

    public byte[] LoadOrCreate(string name, Func<byte[]> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (gate)
        {
            var path = Path.Combine(storage.DataDirectory, "secrets", name + ".protected");
            if (storage.Provider == StorageProvider.Sqlite)
            {
                return LoadOrCreateFile(path, create);
            }

            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<GridDbContext>();
            if (db.ProtectedSecrets.AsNoTracking().SingleOrDefault(s => s.Name == name) is { } stored)
            {
                return protector.Unprotect(stored.ProtectedValue);
            }

            var secret = File.Exists(path) ? protector.Unprotect(File.ReadAllBytes(path)) : create();
            db.ProtectedSecrets.Add(new ProtectedSecret { Name = name, ProtectedValue = protector.Protect(secret), CreatedAt = DateTimeOffset.UtcNow });
            try
            {
                db.SaveChanges();
                return secret;
            }
            catch (DbUpdateException)
            {
                // Another instance created it at the same moment: its secret is everyone's.
                db.ChangeTracker.Clear();
                return protector.Unprotect(db.ProtectedSecrets.AsNoTracking().Single(s => s.Name == name).ProtectedValue);
            }
        }
    }

    private byte[] LoadOrCreateFile(string path, Func<byte[]> create)
    {
        PrivateFolders.Create(Path.GetDirectoryName(path)!);
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
