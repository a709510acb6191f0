using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Domain.Mediation;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Portal;

internal sealed class EvseCredentialConfiguration : IEntityTypeConfiguration<EvseCredential>
{
    public void Configure(EntityTypeBuilder<EvseCredential> b)
    {
        b.HasKey(c => c.EvseId);
        b.HasOne<Evse>().WithOne().HasForeignKey<EvseCredential>(c => c.EvseId).OnDelete(DeleteBehavior.Cascade);
        b.Property(c => c.SecretHash).HasMaxLength(32);
    }
}

internal sealed class DischargeCommandConfiguration : IEntityTypeConfiguration<DischargeCommand>
{
    public void Configure(EntityTypeBuilder<DischargeCommand> b)
    {
        b.HasKey(c => c.Id);

        // The outbox's promise: one command per event, vehicle and segment, whatever resends, reconnects or restarts
        // happen; a car takes part in an event again only as a new segment, after its last one ended.
        b.HasIndex(c => new { c.EventId, c.VehicleId, c.Segment }).IsUnique();
        b.HasIndex(c => c.State);
        b.HasIndex(c => c.EvseId);
        b.Property(c => c.State).HasConversion<string>().HasMaxLength(16);
        b.Property(c => c.ProgramName).HasMaxLength(100);
        b.Property(c => c.Executor).HasConversion<string>().HasMaxLength(8);
        b.Property(c => c.ReasonCode).HasMaxLength(64);
        b.Property(c => c.ReasonText).HasMaxLength(1000);
        b.Ignore(c => c.IsTerminal);
        b.Ignore(c => c.IsLive);
        b.Ignore(c => c.EndReason);
        b.Ignore(c => c.MayRejoin);
    }
}

internal sealed class EventDecisionConfiguration : IEntityTypeConfiguration<EventDecision>
{
    public void Configure(EntityTypeBuilder<EventDecision> b)
    {
        b.HasKey(d => new { d.EventId, d.VehicleId });
        b.Property(d => d.Reasons).HasJsonConversion().HasMaxLength(8000);
        b.HasIndex(d => d.VehicleId);
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.HasKey(a => a.Id);
        b.Property(a => a.Outcome).HasMaxLength(200);
        b.Property(a => a.Reasons).HasJsonConversion().HasMaxLength(8000);
        b.HasIndex(a => a.At);
        b.HasIndex(a => a.VehicleId);
        b.HasIndex(a => a.EvseId);
        b.HasIndex(a => a.EventId);
        b.HasIndex(a => a.SiteId);
        b.Property(a => a.ActorId).HasMaxLength(450);
    }
}
