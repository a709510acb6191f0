using System.Security.Claims;
using System.Text.Json;
using Kitu.V2X.Portal.Data;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>
/// Everything the portal holds about the signed-in person, as one JSON document (<c>GET /privacy/export</c>): the
/// account, cars, discharge settings, enrollments, discharge commands and the audit lines about their cars, and the
/// sites and chargers they own. Nothing of anyone else.
/// </summary>
public static class PrivacyExport
{
    public const string Path = "/privacy/export";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<object?> CollectAsync(PortalDbContext db, string userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return null;
        }

        var cars = await db.Vehicles.AsNoTracking().Where(v => v.OwnerId == userId).ToListAsync(ct);
        var ids = cars.Select(c => c.Id).ToList();
        var sites = await db.Sites.AsNoTracking().Where(s => s.OwnerId == userId).ToListAsync(ct);
        var siteIds = sites.Select(s => s.Id).ToList();
        return new
        {
            exportedAt = DateTimeOffset.UtcNow,
            account = new { user.Email, user.DisplayName, user.EmailConfirmed, user.PhoneNumber, user.TwoFactorEnabled },
            cars,
            dischargeSettings = await db.DischargePreferences.AsNoTracking().Where(p => ids.Contains(p.VehicleId)).ToListAsync(ct),
            enrollments = await db.Enrollments.AsNoTracking().Where(e => ids.Contains(e.VehicleId)).ToListAsync(ct),
            dischargeCommands = await db.DischargeCommands.AsNoTracking().Where(c => ids.Contains(c.VehicleId)).ToListAsync(ct),
            audit = await db.AuditEntries.AsNoTracking().Where(a => a.VehicleId != null && ids.Contains(a.VehicleId.Value)).OrderBy(a => a.Id).ToListAsync(ct),
            sites,
            chargers = await db.Evses.AsNoTracking().Where(e => siteIds.Contains(e.SiteId)).ToListAsync(ct),
        };
    }

    public static IEndpointRouteBuilder MapPrivacyExport(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (ClaimsPrincipal user, PortalDbContext db, CancellationToken ct) =>
        {
            var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
            var data = id is null ? null : await CollectAsync(db, id, ct);
            return data is null
                ? Results.NotFound()
                : Results.File(JsonSerializer.SerializeToUtf8Bytes(data, Json), "application/json", "kitu-my-data.json");
        }).RequireAuthorization();
        return app;
    }
}
