using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Data;

/// <summary>The Consumer Support Layer's store: accounts, and (later) sites, vehicles, programs, consent.</summary>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : IdentityDbContext<PortalUser>(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromNamespace("Kitu.V2X.Portal.Data.Portal");
    }
}
