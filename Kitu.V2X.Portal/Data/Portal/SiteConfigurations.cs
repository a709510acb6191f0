using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Portal;

internal sealed class SiteConfiguration : IEntityTypeConfiguration<Site>
{
    public void Configure(EntityTypeBuilder<Site> b)
    {
        b.HasKey(s => s.Id);
        b.Property(s => s.OwnerId).HasMaxLength(450);
        b.HasOne<PortalUser>().WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Restrict);
        b.Property(s => s.Name).HasMaxLength(100);
        b.Property(s => s.Address).HasMaxLength(300);
        b.Property(s => s.UtilityName).HasMaxLength(100);
        b.Property(s => s.TimeZoneId).HasMaxLength(64);
        b.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(s => s.Policy).HasJsonConversion().HasMaxLength(1000);
        b.HasIndex(s => s.OwnerId);
    }
}

internal sealed class EvseConfiguration : IEntityTypeConfiguration<Evse>
{
    public void Configure(EntityTypeBuilder<Evse> b)
    {
        b.HasKey(e => e.Id);
        b.HasOne<Site>().WithMany().HasForeignKey(e => e.SiteId).OnDelete(DeleteBehavior.Cascade);
        b.Property(e => e.Name).HasMaxLength(100);
        b.Property(e => e.Current).HasConversion<string>().HasMaxLength(4);
        b.Property(e => e.Make).HasMaxLength(60);
        b.Property(e => e.Model).HasMaxLength(60);
        b.Property(e => e.SerialNumber).HasMaxLength(60);
        b.Property(e => e.OcppStationId).HasMaxLength(48);
        b.HasIndex(e => e.SiteId);
        b.HasIndex(e => e.OcppStationId).IsUnique(); // a station connects by its id: one charger each (NULLs are distinct)
    }
}
