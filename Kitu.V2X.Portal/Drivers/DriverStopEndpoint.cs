using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;

namespace Kitu.V2X.Portal.Drivers;

/// <summary>
/// <c>POST /api/me/cars/{vehicleId}/stop</c>: the "stop discharging now" button as one request, for the signed-in
/// owner of the car (a driver, or a fleet's site owner) — a phone shortcut, a home automation, the benchmark. Cookie
/// authenticated, so it also asks for the <c>X-Kitu-Request</c> header, which a cross-site form cannot send.
/// 204 when a discharge was stopped, 404 when the car is not the caller's or nothing was running.
/// </summary>
public static class DriverStopEndpoint
{
    public const string Path = "/api/me/cars/{vehicleId:guid}/stop";
    public const string RequestHeader = "X-Kitu-Request";

    public static IEndpointRouteBuilder MapDriverStop(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, async (Guid vehicleId, HttpRequest request, ClaimsPrincipal user, [FromServices] DriverNow now, CancellationToken ct) =>
        {
            if (!request.Headers.ContainsKey(RequestHeader))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"Send the {RequestHeader} header.");
            }

            return user.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId && await now.StopNowAsync(userId, vehicleId, ct)
                ? Results.NoContent()
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No discharge of a car of yours to stop.");
        }).RequireAuthorization().ExcludeFromDescription();
        return app;
    }
}
