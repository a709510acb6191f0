using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Data;

/// <summary>
/// The Consumer Support Layer's store: accounts, sites, vehicles, programs, consent, the command outbox; on PostgreSQL
/// also the data-protection key ring that the instances share.
/// </summary>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : IdentityDbContext<PortalUser>(options), IDataProtectionKeyContext
{
    /// <summary>The shared key ring (PostgreSQL only: on SQLite it stays in the data folder, and this table is empty).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Site> Sites => Set<Site>();

    public DbSet<Evse> Evses => Set<Evse>();

    public DbSet<Vehicle> Vehicles => Set<Vehicle>();

    public DbSet<DischargePreferences> DischargePreferences => Set<DischargePreferences>();

    public DbSet<ProgramOperator> ProgramOperators => Set<ProgramOperator>();

    public DbSet<DischargeProgram> DischargePrograms => Set<DischargeProgram>();

    public DbSet<Enrollment> Enrollments => Set<Enrollment>();

    public DbSet<ProgramEvent> ProgramEvents => Set<ProgramEvent>();

    public DbSet<EvseCredential> EvseCredentials => Set<EvseCredential>();

    public DbSet<OperatorApiKey> OperatorApiKeys => Set<OperatorApiKey>();

    public DbSet<DischargeCommand> DischargeCommands => Set<DischargeCommand>();

    public DbSet<EventDecision> EventDecisions => Set<EventDecision>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    /// <summary>Work that one instance does at a time (<see cref="ScaleOut.LeaseStore"/>).</summary>
    public DbSet<ScaleOut.Lease> Leases => Set<ScaleOut.Lease>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.UseUtcMillisecondInstants();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromNamespace("Kitu.V2X.Portal.Data.Portal");
        builder.ApplyConfiguration(new LeaseConfiguration());
    }
}
