using System.Security.Claims;
using System.Text.Encodings.Web;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Hubs;

/// <summary>
/// Authenticates an EVSE on its live connection: <c>Authorization: EvseKey &lt;evse id&gt;.&lt;secret&gt;</c>, checked
/// against the stored hash. Requests that carry an <c>Origin</c> header come from a browser and are refused: EVSEs
/// are not browsers, and a page must not be able to speak for one.
/// </summary>
public sealed class EvseKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IServiceScopeFactory scopes)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "EvseKey";
    public const string EvseIdClaim = "kitu:evse_id";

    public static string Header(Guid evseId, string secret) => $"{SchemeName} {evseId:D}.{secret}";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Origin.Count > 0)
        {
            return AuthenticateResult.Fail("Browser origins may not connect as an EVSE.");
        }

        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(SchemeName + " ", StringComparison.Ordinal))
        {
            return AuthenticateResult.NoResult();
        }

        var value = header[(SchemeName.Length + 1)..].Trim();
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !Guid.TryParse(value[..dot], out var evseId))
        {
            return AuthenticateResult.Fail("Malformed EVSE credentials.");
        }

        // A short scope of its own: the WebSocket request (and its scope) lives as long as the connection, and a
        // DbContext held there for hours would cost tens of KiB per connected EVSE.
        EvseCredential? credential;
        await using (var scope = scopes.CreateAsyncScope())
        {
            credential = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().EvseCredentials.AsNoTracking()
                .SingleOrDefaultAsync(c => c.EvseId == evseId, Context.RequestAborted);
        }

        if (credential is null || !credential.Matches(value[(dot + 1)..]))
        {
            return AuthenticateResult.Fail("Unknown EVSE or wrong secret.");
        }

        var identity = new ClaimsIdentity([new Claim(EvseIdClaim, evseId.ToString("D")), new Claim(ClaimTypes.NameIdentifier, evseId.ToString("D"))], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
