using System.Security.Claims;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Grid;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Kitu.V2X.Portal.Sites;

/// <summary>
/// Files a utility needs from the portal, as downloads: a charger's certificate signing request (its owner only) and
/// the portal's device CA certificate (the grid admin). Both are public material — never a key.
/// </summary>
public static class IdentityDownloads
{
    public const string DeviceCaPath = "/grid/device-ca.pem";

    public static string RequestPath(Guid evseId) => $"/chargers/{evseId}/identity-request.pem";

    public static IEndpointRouteBuilder MapIdentityDownloads(this IEndpointRouteBuilder app)
    {
        app.MapGet(DeviceCaPath, ([FromServices] DeviceCertificateAuthority authority) =>
            Results.File(Encoding.ASCII.GetBytes(authority.Pem), "application/x-pem-file", "kitu-device-ca.pem"))
            .RequireAuthorization(p => p.RequireRole(PortalRoles.GridAdmin));

        app.MapGet("/chargers/{evseId:guid}/identity-request.pem", async (Guid evseId, ClaimsPrincipal user, [FromServices] PortalDbContext db, [FromServices] DeviceIdentities identities, CancellationToken ct) =>
        {
            var ownerId = user.FindFirstValue(ClaimTypes.NameIdentifier);
            var owned = await (from e in db.Evses join s in db.Sites on e.SiteId equals s.Id where e.Id == evseId && s.OwnerId == ownerId select e.Name).SingleOrDefaultAsync(ct);
            if (owned is null || await identities.RequestPemAsync(evseId, ct) is not { } pem)
            {
                return Results.NotFound();
            }

            return Results.File(Encoding.ASCII.GetBytes(pem), "application/pkcs10", $"{FileName(owned)}-2030.5-request.csr");
        }).RequireAuthorization(p => p.RequireRole(PortalRoles.SiteOwner));
        return app;
    }

    private static string FileName(string name)
    {
        var safe = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
        return safe.Length == 0 ? "charger" : safe[..Math.Min(safe.Length, 40)];
    }
}
