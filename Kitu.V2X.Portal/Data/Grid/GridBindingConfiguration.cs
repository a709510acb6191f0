using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Grid;

internal sealed class GridBindingConfiguration : IEntityTypeConfiguration<GridBinding>
{
    public void Configure(EntityTypeBuilder<GridBinding> b)
    {
        b.HasKey(x => x.EvseId);
        b.Property(x => x.Lfdi).HasMaxLength(40).IsFixedLength();
        b.HasIndex(x => x.Lfdi).IsUnique();
        b.Property(x => x.ClientLocation).HasConversion<string>().HasMaxLength(10);
        b.Property(x => x.LastIntegration).HasConversion<string>().HasMaxLength(20);
        b.Property(x => x.LastDetail).HasMaxLength(500);
        b.Ignore(x => x.Identity);
        b.Property(x => x.ModesSupported).HasConversion<long>(); // rows from before it existed get Basic (the migration's default)
        b.HasOne<ApprovedServer>().WithMany().HasForeignKey(x => x.ServerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(x => x.ServerId);
    }
}
