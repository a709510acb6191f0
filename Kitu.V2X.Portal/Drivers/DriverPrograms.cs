using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>A program in the catalogue, with whether (and at which rank) the car is enrolled.</summary>
public sealed record CatalogueEntry(Guid ProgramId, string Name, string? Description, string OperatorName, OperatorKind OperatorKind, ProgramExecutor Executor, decimal PayPerKwh, bool IsEmergency, int? Rank);

/// <summary>
/// The programs catalogue for one of the driver's cars: published programs, enroll, leave, rank. A utility emergency
/// program is always first (seed A.1.1), whatever rank the driver gives it.
/// </summary>
public sealed class DriverPrograms(PortalDbContext db, TimeProvider time)
{
    public async Task<IReadOnlyList<CatalogueEntry>?> CatalogueAsync(string driverId, Guid vehicleId, CancellationToken cancellationToken)
    {
        if (!await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken))
        {
            return null;
        }

        var enrolled = await db.Enrollments.AsNoTracking().Where(e => e.VehicleId == vehicleId).ToDictionaryAsync(e => e.ProgramId, e => e.Rank, cancellationToken);
        var rows = await (from p in db.DischargePrograms.AsNoTracking()
                          join o in db.ProgramOperators.AsNoTracking() on p.OperatorId equals o.Id
                          where p.Status == ProgramStatus.Published || enrolled.Keys.Contains(p.Id)
                          select new { p, o.Name }).ToListAsync(cancellationToken);
        return rows
            .Select(r => new CatalogueEntry(r.p.Id, r.p.Name, r.p.Description, r.Name, r.p.OperatorKind, r.p.Executor, r.p.CompensationPerKwh, r.p.IsEmergency && r.p.OperatorKind == OperatorKind.Utility, enrolled.TryGetValue(r.p.Id, out var rank) ? rank : null))
            .OrderByDescending(e => e.IsEmergency).ThenBy(e => e.Rank ?? int.MaxValue).ThenBy(e => e.Name)
            .ToList();
    }

    public async Task<bool> EnrollAsync(string driverId, Guid vehicleId, Guid programId, CancellationToken cancellationToken)
    {
        if (!await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken)
            || !await db.DischargePrograms.AnyAsync(p => p.Id == programId && p.Status == ProgramStatus.Published, cancellationToken))
        {
            return false;
        }

        if (!await db.Enrollments.AnyAsync(e => e.VehicleId == vehicleId && e.ProgramId == programId, cancellationToken))
        {
            var next = (await db.Enrollments.Where(e => e.VehicleId == vehicleId).MaxAsync(e => (int?)e.Rank, cancellationToken) ?? 0) + 1;
            db.Enrollments.Add(new Enrollment { VehicleId = vehicleId, ProgramId = programId, Rank = next, EnrolledAt = time.GetUtcNow() });
            await db.SaveChangesAsync(cancellationToken);
        }

        return true;
    }

    public async Task<bool> LeaveAsync(string driverId, Guid vehicleId, Guid programId, CancellationToken cancellationToken)
    {
        if (!await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken))
        {
            return false;
        }

        await db.Enrollments.Where(e => e.VehicleId == vehicleId && e.ProgramId == programId).ExecuteDeleteAsync(cancellationToken);
        await RenumberAsync(vehicleId, null, cancellationToken);
        return true;
    }

    /// <summary>Moves an enrolled program up (-1) or down (+1) in the car's ranking.</summary>
    public async Task<bool> MoveAsync(string driverId, Guid vehicleId, Guid programId, int direction, CancellationToken cancellationToken)
    {
        if (!await db.Vehicles.AnyAsync(v => v.Id == vehicleId && v.OwnerId == driverId, cancellationToken))
        {
            return false;
        }

        await RenumberAsync(vehicleId, (programId, Math.Sign(direction)), cancellationToken);
        return true;
    }

    private async Task RenumberAsync(Guid vehicleId, (Guid ProgramId, int Direction)? move, CancellationToken cancellationToken)
    {
        var list = await db.Enrollments.Where(e => e.VehicleId == vehicleId).OrderBy(e => e.Rank).ToListAsync(cancellationToken);
        if (move is { } m && list.FindIndex(e => e.ProgramId == m.ProgramId) is var i and >= 0)
        {
            var j = Math.Clamp(i + m.Direction, 0, list.Count - 1);
            (list[i], list[j]) = (list[j], list[i]);
        }

        for (var k = 0; k < list.Count; k++)
        {
            list[k].Rank = k + 1;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
