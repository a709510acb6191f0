using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Kitu.V2X.Portal.Data;
using Kitu.V2X.Portal.Discharge;
using Kitu.V2X.Portal.Domain.ConsumerSupport;
using Kitu.V2X.Portal.Grid;
using Kitu.V2X.Portal.Hubs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kitu.V2X.Portal.Ocpp;

/// <summary>
/// <c>/ocpp/{stationId}</c>: OCPP-J over WebSocket, subprotocol <c>ocpp2.1</c> (preferred) or <c>ocpp2.0.1</c>.
/// Security profile 2: TLS and HTTP Basic authentication, user = the station id, password = the one the owner was shown
/// when adding the charger; profile 3: TLS with a station certificate of a configured CA instead of the password
/// (<see cref="OcppOptions.StationCaPath"/>); profile 1 (no TLS) only when <see cref="OcppOptions.AllowUnsecured"/>
/// (demo mode). A request with an Origin header comes from a browser and is refused.
/// </summary>
public sealed partial class OcppEndpoint(
    OcppSchemas schemas,
    OcppStations stations,
    EvseConnections connections,
    EvseReports reports,
    CommandInbox inbox,
    GridClientWorker grid,
    StationCertificateIssuer certificates,
    IServiceScopeFactory scopes,
    IOptions<OcppOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers)
{
    public const string PathPrefix = "/ocpp";
    public static readonly string[] Subprotocols = ["ocpp2.1", "ocpp2.0.1"];

    private readonly ILogger logger = loggers.CreateLogger<OcppEndpoint>();

    /// <summary>The station CAs of profile 3, read once (none when it is off).</summary>
    private readonly Lazy<X509Certificate2Collection> stationCas = new(() => StationCertificates.LoadAuthorities(options.Value.StationCaPath));

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path.Value ?? "";
        var stationId = path.Length > PathPrefix.Length + 1 ? path[(PathPrefix.Length + 1)..] : "";
        if (!Evse.IsValidOcppStationId(stationId))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("An OCPP station connects with a WebSocket (OCPP-J).", context.RequestAborted);
            return;
        }

        if (context.Request.Headers.Origin.Count > 0)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (!context.Request.IsHttps && !options.Value.AllowUnsecured)
        {
            LogRefused(stationId, "not over TLS (security profile 2 needs wss://)");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        var subprotocol = Subprotocols.FirstOrDefault(p => context.WebSockets.WebSocketRequestedProtocols.Contains(p, StringComparer.Ordinal));
        if (subprotocol is null)
        {
            LogRefused(stationId, $"no supported subprotocol in '{string.Join(",", context.WebSockets.WebSocketRequestedProtocols)}'");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("Supported subprotocols: ocpp2.1, ocpp2.0.1.", context.RequestAborted);
            return;
        }

        var byCertificate = await StationCertificateAsync(context, stationId);
        var charger = byCertificate is { } certified ? certified.Charger : await AuthenticateAsync(context, stationId);
        if (charger is null)
        {
            LogRefused(stationId, "unknown station or wrong password");
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"kitu-ocpp\", charset=\"UTF-8\"";
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subprotocol, KeepAliveInterval = TimeSpan.FromSeconds(30) });
        var version = subprotocol == "ocpp2.1" ? OcppVersion.V21 : OcppVersion.V201;
        var logger = loggers.CreateLogger<OcppStation>();
        var session = new OcppSession(socket, version, schemas, options.Value, time, logger);
        var station = new OcppStation(session, charger, stations.StateFor(charger.EvseId), connections, reports, inbox, grid, certificates, time, logger)
        {
            CertificateEnds = byCertificate?.Ends,
        };
        LogConnected(stationId, subprotocol);

        // The server waits for every request to end before it stops: the link closes at once when the portal stops
        // (1001, going away), and the station reconnects to the next one with its back-off.
        await using var stopping = lifetime.ApplicationStopping.Register(() => _ = session.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "The portal is stopping."));
        await station.RunAsync(context.RequestAborted);
    }

    /// <summary>
    /// Security profile 3: the charger whose station certificate the TLS handshake carried — chained to a configured
    /// station CA, valid now, for client authentication, its subject CN the station id. Null when the station sent no
    /// certificate (it may still use its password); a certificate that does not pass gives no charger at all.
    /// </summary>
    private async Task<(OcppCharger? Charger, DateTimeOffset Ends)?> StationCertificateAsync(HttpContext context, string stationId)
    {
        if (stationCas.Value is not { Count: > 0 } authorities || !context.Request.IsHttps
            || await context.Connection.GetClientCertificateAsync(context.RequestAborted) is not { } certificate)
        {
            return null;
        }

        if (!StationCertificates.Accepts(certificate, authorities, stationId, time.GetUtcNow()))
        {
            LogRefused(stationId, "its client certificate is not a station certificate of a trusted CA for this id");
            return (null, default);
        }

        return (await ChargerAsync(stationId, context.RequestAborted), new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
    }

    /// <summary>The charger whose station id and password the Basic credentials carry, or null.</summary>
    private async Task<OcppCharger?> AuthenticateAsync(HttpContext context, string stationId)
    {
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is not { Length: > 0 and <= 400 } encoded)
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !string.Equals(decoded[..colon], stationId, StringComparison.Ordinal))
        {
            return null;
        }

        // A short scope of its own: the WebSocket request lives as long as the link.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var found = await (from e in db.Evses.AsNoTracking()
                           join c in db.EvseCredentials.AsNoTracking() on e.Id equals c.EvseId
                           where e.OcppStationId == stationId
                           select new { e.Id, e.RatedChargeKw, e.RatedDischargeKw, Credential = c }).SingleOrDefaultAsync(context.RequestAborted);
        return found is not null && found.Credential.Matches(decoded[(colon + 1)..])
            ? new OcppCharger(found.Id, stationId, found.RatedChargeKw, found.RatedDischargeKw)
            : null;
    }

    private async Task<OcppCharger?> ChargerAsync(string stationId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var found = await db.Evses.AsNoTracking().Where(e => e.OcppStationId == stationId)
            .Select(e => new { e.Id, e.RatedChargeKw, e.RatedDischargeKw }).SingleOrDefaultAsync(cancellationToken);
        return found is null ? null : new OcppCharger(found.Id, stationId, found.RatedChargeKw, found.RatedDischargeKw);
    }

    [LoggerMessage(LogLevel.Information, "OCPP station {Station} connected ({Subprotocol})")]
    private partial void LogConnected(string station, string subprotocol);

    [LoggerMessage(LogLevel.Warning, "OCPP station {Station} refused: {Why}")]
    private partial void LogRefused(string station, string why);
}
