using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Grid;

internal sealed class PostedResponseConfiguration : IEntityTypeConfiguration<PostedResponse>
{
    public void Configure(EntityTypeBuilder<PostedResponse> b)
    {
        b.HasKey(x => x.Id);
        b.Property(x => x.Subject).HasMaxLength(32);
        b.HasIndex(x => new { x.EvseId, x.Subject, x.Status }).IsUnique();
        b.HasIndex(x => x.PostedAt);
    }
}
