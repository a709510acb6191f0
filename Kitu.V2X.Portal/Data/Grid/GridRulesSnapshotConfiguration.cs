using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Grid;

internal sealed class GridRulesSnapshotConfiguration : IEntityTypeConfiguration<GridRulesSnapshot>
{
    public void Configure(EntityTypeBuilder<GridRulesSnapshot> b)
    {
        b.HasKey(x => x.EvseId);
        b.Property(x => x.EvseId).ValueGeneratedNever();
        b.Property(x => x.RulesJson).HasMaxLength(64_000);
    }
}
