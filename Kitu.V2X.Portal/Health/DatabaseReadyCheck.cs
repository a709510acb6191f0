using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kitu.V2X.Portal.Health;

/// <summary>
/// Ready when the database can be opened and read and every committed migration is applied.
/// A plain "can connect" is not enough for SQLite, which opens a damaged file without complaint.
/// </summary>
internal sealed class DatabaseReadyCheck<TContext>(IDbContextFactory<TContext> factory) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            var missing = db.Database.GetMigrations().Where(m => !applied.Contains(m)).ToList();
            return missing.Count == 0
                ? HealthCheckResult.Healthy("reachable, schema up to date")
                : HealthCheckResult.Unhealthy($"{missing.Count} migration(s) not applied");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"cannot be opened: {ex.GetBaseException().Message}");
        }
    }
}
