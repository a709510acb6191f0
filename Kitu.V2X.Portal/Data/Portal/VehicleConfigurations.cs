using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Portal;

internal sealed class VehicleConfiguration : IEntityTypeConfiguration<Vehicle>
{
    public void Configure(EntityTypeBuilder<Vehicle> b)
    {
        b.HasKey(v => v.Id);
        b.Property(v => v.OwnerId).HasMaxLength(450);
        b.HasOne<PortalUser>().WithMany().HasForeignKey(v => v.OwnerId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Site>().WithMany().HasForeignKey(v => v.FleetSiteId).OnDelete(DeleteBehavior.SetNull);
        b.Property(v => v.Name).HasMaxLength(100);
        b.Property(v => v.Make).HasMaxLength(60);
        b.Property(v => v.Model).HasMaxLength(60);
        b.Property(v => v.Identifier).HasMaxLength(64);
        b.HasIndex(v => v.OwnerId);

        // A charger recognises a car by this identifier, so two vehicles may not share it.
        b.HasIndex(v => v.Identifier).IsUnique();
    }
}

internal sealed class DischargePreferencesConfiguration : IEntityTypeConfiguration<DischargePreferences>
{
    public void Configure(EntityTypeBuilder<DischargePreferences> b)
    {
        b.HasKey(p => p.VehicleId);
        b.HasOne<Vehicle>().WithOne().HasForeignKey<DischargePreferences>(p => p.VehicleId).OnDelete(DeleteBehavior.Cascade);
        b.Property(p => p.Departures).HasJsonConversion().HasMaxLength(2000);
        b.Property(p => p.AllowedWindows).HasJsonConversion().HasMaxLength(2000);
        b.Property(p => p.TrustedEvseIds).HasJsonConversion().HasMaxLength(8000);
        b.Property(p => p.TimeZoneId).HasMaxLength(64);
    }
}
