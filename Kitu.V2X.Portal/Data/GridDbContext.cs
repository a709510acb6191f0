using Kitu.V2X.Portal.Domain.GridSecurity;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// The Grid Security Layer's store, in its own database: approved servers, EVSE grid identities,
/// controls and contact times. It holds no column that could carry personal data.
/// </summary>
public sealed class GridDbContext(DbContextOptions<GridDbContext> options) : DbContext(options)
{
    public DbSet<ApprovedServer> ApprovedServers => Set<ApprovedServer>();

    public DbSet<GridBinding> GridBindings => Set<GridBinding>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.UseUtcMillisecondInstants();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromNamespace("Kitu.V2X.Portal.Data.Grid");
}
