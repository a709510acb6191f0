using System.Security.Claims;
using System.Text.Encodings.Web;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Api;

/// <summary>Authenticates a program operator's API client by the <c>X-Api-Key</c> header against the stored hashes.</summary>
public sealed class ApiKeyAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, PortalDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OperatorApiKey";
    public const string Header = "X-Api-Key";
    public const string OperatorClaim = "kitu:operator_id";
    public const string KeyClaim = "kitu:api_key_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (key.Length > 100)
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }

        var hash = OperatorApiKey.Hash(key);
        var stored = await db.OperatorApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.KeyHash == hash && k.RevokedAt == null, Context.RequestAborted);
        if (stored is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        var identity = new ClaimsIdentity([new Claim(OperatorClaim, stored.OperatorId.ToString("D")), new Claim(KeyClaim, stored.Id.ToString("D"))], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.ContentType = "application/problem+json";
        await Response.WriteAsJsonAsync(new { type = "https://httpstatuses.io/401", title = "An API key is required", status = 401, detail = $"Send a valid key in the {Header} header." }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }
}
