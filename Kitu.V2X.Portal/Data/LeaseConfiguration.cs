using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// The <c>Leases</c> table, in both stores: the portal store's for the consumer side's work (the mediator), the grid
/// store's for the grid layer's (the 2030.5 sessions), so neither layer reaches into the other's database. A row holds
/// a key, an instance name, an expiry and a token: nothing about anyone.
/// </summary>
internal sealed class LeaseConfiguration : IEntityTypeConfiguration<ScaleOut.Lease>
{
    public void Configure(EntityTypeBuilder<ScaleOut.Lease> b)
    {
        b.HasKey(l => l.Key);
        b.Property(l => l.Key).HasMaxLength(128);
        b.Property(l => l.Holder).HasMaxLength(128);
    }
}
