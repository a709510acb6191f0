using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Grid;

internal sealed class DeviceCredentialConfiguration : IEntityTypeConfiguration<DeviceCredential>
{
    public void Configure(EntityTypeBuilder<DeviceCredential> b)
    {
        b.HasKey(x => x.EvseId);
        b.Property(x => x.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.Lfdi).HasMaxLength(40);
        b.HasIndex(x => x.Lfdi);
        b.Property(x => x.ProtectedCertificate).HasMaxLength(16_384);
        b.Property(x => x.ChainPem).HasMaxLength(16_384);
        b.Property(x => x.Subject).HasMaxLength(300);
        b.Property(x => x.Issuer).HasMaxLength(300);
        b.Property(x => x.ProtectedRequestKey).HasMaxLength(4_096);
        b.Property(x => x.RequestPem).HasMaxLength(4_096);
        b.Ignore(x => x.Identity);
        b.Ignore(x => x.HoldsKey);
    }
}
