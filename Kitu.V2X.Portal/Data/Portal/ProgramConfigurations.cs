using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Kitu.V2X.Portal.Data.Portal;

internal sealed class ProgramOperatorConfiguration : IEntityTypeConfiguration<ProgramOperator>
{
    public void Configure(EntityTypeBuilder<ProgramOperator> b)
    {
        b.HasKey(o => o.Id);
        b.Property(o => o.Name).HasMaxLength(100);
        b.Property(o => o.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(o => o.VehicleMakes).HasJsonConversion().HasMaxLength(2000);
        b.HasIndex(o => o.Name).IsUnique();
    }
}

internal sealed class DischargeProgramConfiguration : IEntityTypeConfiguration<DischargeProgram>
{
    public void Configure(EntityTypeBuilder<DischargeProgram> b)
    {
        b.HasKey(p => p.Id);
        b.HasOne<ProgramOperator>().WithMany().HasForeignKey(p => p.OperatorId).OnDelete(DeleteBehavior.Restrict);
        b.Property(p => p.OperatorKind).HasConversion<string>().HasMaxLength(16);
        b.Property(p => p.Name).HasMaxLength(100);
        b.Property(p => p.Description).HasMaxLength(2000);
        b.Property(p => p.Executor).HasConversion<string>().HasMaxLength(8);
        b.Property(p => p.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(p => p.CompensationPerKwh).HasPrecision(10, 4);
        b.Property(p => p.Currency).HasMaxLength(3).HasDefaultValue("USD");
        b.Property(p => p.TimeZoneId).HasMaxLength(64).HasDefaultValue("UTC");
        b.Property(p => p.EligibleUtilities).HasJsonConversion().HasMaxLength(4000);
        b.Property(p => p.EligibleSiteIds).HasJsonConversion().HasMaxLength(8000);
        b.HasIndex(p => p.OperatorId);
    }
}

internal sealed class EnrollmentConfiguration : IEntityTypeConfiguration<Enrollment>
{
    public void Configure(EntityTypeBuilder<Enrollment> b)
    {
        b.HasKey(e => e.Id);
        b.HasOne<Vehicle>().WithMany().HasForeignKey(e => e.VehicleId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<DischargeProgram>().WithMany().HasForeignKey(e => e.ProgramId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.VehicleId, e.ProgramId }).IsUnique();
        b.HasIndex(e => e.ProgramId);
    }
}

internal sealed class ProgramEventConfiguration : IEntityTypeConfiguration<ProgramEvent>
{
    public void Configure(EntityTypeBuilder<ProgramEvent> b)
    {
        b.HasKey(e => e.Id);
        b.HasOne<DischargeProgram>().WithMany().HasForeignKey(e => e.ProgramId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.ProgramId, e.Start });
        b.HasIndex(e => e.End);
        b.Property(e => e.IdempotencyKey).HasMaxLength(100);
        b.HasIndex(e => new { e.ProgramId, e.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
    }
}

internal sealed class OperatorApiKeyConfiguration : IEntityTypeConfiguration<OperatorApiKey>
{
    public void Configure(EntityTypeBuilder<OperatorApiKey> b)
    {
        b.HasKey(k => k.Id);
        b.HasOne<ProgramOperator>().WithMany().HasForeignKey(k => k.OperatorId).OnDelete(DeleteBehavior.Cascade);
        b.Property(k => k.Name).HasMaxLength(100);
        b.Property(k => k.Prefix).HasMaxLength(16);
        b.Property(k => k.KeyHash).HasMaxLength(32);
        b.HasIndex(k => k.KeyHash).IsUnique();
    }
}
