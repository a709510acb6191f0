using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.HttpOverrides;

namespace Kitu.V2X.Portal.Extensions;

/// <summary>
/// Behind a proxy or load balancer that ends TLS: with <c>Proxy:KnownNetworks</c> (CIDRs, comma-separated) or
/// <c>Proxy:KnownProxies</c> (addresses), requests from those take the client's address and scheme from
/// <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> — so an OCPP station that came over TLS to the proxy counts as
/// profile 2, rate limits see the real client, cookies stay secure — and a station's TLS client certificate from the
/// proxy's header (<c>Proxy:ClientCertificateHeader</c>, default <c>X-Client-Cert</c>: URL-encoded PEM as nginx's
/// <c>$ssl_client_escaped_cert</c>, base64 DER, or Envoy's <c>X-Forwarded-Client-Cert</c> <c>Cert="…"</c>) for profile 3.
/// From anyone else those headers are dropped. Unset (the default): no header is trusted.
/// </summary>
internal static class ProxyExtensions
{
    public static WebApplicationBuilder AddTrustedProxies(this WebApplicationBuilder builder)
    {
        var (networks, proxies) = Trusted(builder.Configuration);
        if (networks.Count == 0 && proxies.Count == 0)
        {
            return builder;
        }

        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = Math.Max(1, builder.Configuration.GetValue("Proxy:ForwardLimit", 1));
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var network in networks)
            {
                o.KnownIPNetworks.Add(network);
            }

            foreach (var proxy in proxies)
            {
                o.KnownProxies.Add(proxy);
            }
        });
        builder.Services.AddCertificateForwarding(o =>
        {
            o.CertificateHeader = CertificateHeader(builder.Configuration);
            o.HeaderConverter = value => ParseCertificate(value)!; // null: no certificate (the middleware skips it)
        });
        return builder;
    }

    /// <summary>First in the pipeline: the proxy's headers, from a trusted proxy only.</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        var (networks, proxies) = Trusted(app.Configuration);
        if (networks.Count == 0 && proxies.Count == 0)
        {
            return app;
        }

        var header = CertificateHeader(app.Configuration);
        app.Use((context, next) =>
        {
            // The certificate header is believed only from a trusted proxy (ASP.NET's forwarding would take it from anyone).
            var from = context.Connection.RemoteIpAddress is { } ip && ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : context.Connection.RemoteIpAddress;
            if (from is null || !(proxies.Contains(from) || networks.Any(n => n.Contains(from))))
            {
                context.Request.Headers.Remove(header);
            }

            return next(context);
        });
        app.UseForwardedHeaders();
        app.UseCertificateForwarding();
        return app;
    }

    private static string CertificateHeader(IConfiguration configuration) =>
        configuration["Proxy:ClientCertificateHeader"] is { Length: > 0 } header ? header : "X-Client-Cert";

    private static (List<System.Net.IPNetwork> Networks, List<IPAddress> Proxies) Trusted(IConfiguration configuration)
    {
        static IEnumerable<string> Items(string? value) => (value ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var networks = Items(configuration["Proxy:KnownNetworks"]).Select(n => System.Net.IPNetwork.TryParse(n, out var network) ? network
            : throw new InvalidOperationException($"Proxy:KnownNetworks: '{n}' is not a network (for example 10.0.0.0/8).")).ToList();
        var proxies = Items(configuration["Proxy:KnownProxies"]).Select(p => IPAddress.TryParse(p, out var address) ? address
            : throw new InvalidOperationException($"Proxy:KnownProxies: '{p}' is not an address.")).ToList();
        return (networks, proxies);
    }

    /// <summary>The client certificate a proxy forwarded: URL-encoded PEM, plain PEM, base64 DER, or Envoy's <c>Cert="…"</c>; null when none can be read.</summary>
    internal static X509Certificate2? ParseCertificate(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 16 * 1024)
        {
            return null;
        }

        try
        {
            var cert = value.IndexOf("Cert=\"", StringComparison.Ordinal) is var at and >= 0
                ? value[(at + 6)..value.IndexOf('"', at + 6)]
                : value;
            cert = Uri.UnescapeDataString(cert.Trim());
            return cert.StartsWith("-----BEGIN", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(cert)
                : X509CertificateLoader.LoadCertificate(Convert.FromBase64String(cert));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
