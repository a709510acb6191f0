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

    public DbSet<DeviceCredential> DeviceCredentials => Set<DeviceCredential>();

    public DbSet<PostedResponse> PostedResponses => Set<PostedResponse>();

    public DbSet<GridRulesSnapshot> GridRulesSnapshots => Set<GridRulesSnapshot>();

    /// <summary>The grid layer's certificate authorities, on PostgreSQL (several instances share them); SQLite keeps them in the data folder.</summary>
    public DbSet<ProtectedSecret> ProtectedSecrets => Set<ProtectedSecret>();

    /// <summary>Work that one instance does at a time: the 2030.5 sessions (<see cref="Grid.GridLease"/>).</summary>
    public DbSet<ScaleOut.Lease> Leases => Set<ScaleOut.Lease>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.UseUtcMillisecondInstants();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromNamespace("Kitu.V2X.Portal.Data.Grid");
        modelBuilder.ApplyConfiguration(new LeaseConfiguration());
    }
}
