using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Grid;

internal sealed class ApprovedServerConfiguration : IEntityTypeConfiguration<ApprovedServer>
{
    public void Configure(EntityTypeBuilder<ApprovedServer> b)
    {
        b.HasKey(s => s.Id);
        b.Property(s => s.Name).HasMaxLength(100);
        b.Property(s => s.UtilityName).HasMaxLength(100);
        b.Property(s => s.DeviceCapabilityUrl).HasMaxLength(500);
        b.Property(s => s.TrustAnchorPem).HasMaxLength(20_000);
        b.Property(s => s.LastCheckResult).HasMaxLength(1_000);
        b.Property(s => s.RequiresRegistrationPin).HasDefaultValue(true);
        b.Property(s => s.RegistrationPinHint).HasMaxLength(300);
        b.HasIndex(s => s.Name).IsUnique();
    }
}
