using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>
/// GET, POST and PUT of 2030.5 resources over one device's HTTPS connection. Every request has one deadline for its
/// headers and its body together (a server that sends headers and then dribbles the body cannot hold the client).
/// Every failure — TLS, network, timeout, HTTP status, media type, size, a document that does not parse — becomes a
/// <see cref="SepClientException"/> naming what went wrong and where; nothing else escapes.
/// </summary>
public sealed class SepHttpClient(HttpClient http, Uri deviceCapability, SepTls? tls = null, int maxBytes = SepXml.DefaultMaxBytes, TimeSpan? requestTimeout = null)
{
    private static readonly MediaTypeWithQualityHeaderValue Accept = new(Sep.MediaType);

    /// <summary>The deadline of one request, headers and body together.</summary>
    public TimeSpan RequestTimeout { get; } = requestTimeout
        ?? (http.Timeout > TimeSpan.Zero && http.Timeout != System.Threading.Timeout.InfiniteTimeSpan ? http.Timeout : TimeSpan.FromSeconds(15));

    public Uri DeviceCapability { get; } = deviceCapability;

    /// <summary>Resolves an href the server gave against the server it came from; foreign hosts are refused.</summary>
    public Uri Resolve(string href)
    {
        if (string.IsNullOrWhiteSpace(href) || !Uri.TryCreate(DeviceCapability, href, out var uri))
        {
            throw new SepClientException(SepClientError.Protocol, $"The server gave an unusable link '{href}'.");
        }

        if (Uri.Compare(uri, DeviceCapability, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new SepClientException(SepClientError.Protocol, $"The server linked to another host ({uri.Authority}); only its own resources are followed.");
        }

        return uri;
    }

    public async Task<T> GetAsync<T>(string href, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Resolve(href));
        request.Headers.Accept.Add(Accept);
        using var deadline = Deadline(cancellationToken);
        using var response = await SendAsync(request, href, deadline.Token, cancellationToken).ConfigureAwait(false);
        var media = response.Content.Headers.ContentType?.MediaType;
        if (media is not null && media != Sep.MediaType && media != "application/xml")
        {
            throw new SepClientException(SepClientError.Malformed, $"{href}: the server answered {media}, not {Sep.MediaType}.");
        }

        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw new SepClientException(SepClientError.TooLarge, $"{href}: the document is larger than {maxBytes:N0} bytes.");
        }

        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            var buffer = await ReadCappedAsync(body, href, deadline.Token).ConfigureAwait(false);
            return SepXml.Read<T>(buffer, maxBytes);
        }
        catch (SepFormatException ex)
        {
            throw SepClientException.FromFormat(ex, href);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            throw Translate(ex, href, cancellationToken);
        }
    }

    /// <summary>POSTs a resource; returns the Location the server gave, if any.</summary>
    public async Task<string?> PostAsync<T>(string href, T resource, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve(href)) { Content = Body(resource) };
        using var deadline = Deadline(cancellationToken);
        using var response = await SendAsync(request, href, deadline.Token, cancellationToken).ConfigureAwait(false);
        return response.Headers.Location?.OriginalString;
    }

    public async Task PutAsync<T>(string href, T resource, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Resolve(href)) { Content = Body(resource) };
        using var deadline = Deadline(cancellationToken);
        using var _ = await SendAsync(request, href, deadline.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a whole list, page by page (<c>?s=start&amp;l=limit</c>), up to <paramref name="maxItems"/> entries.</summary>
    public async Task<List<TItem>> GetAllAsync<TList, TItem>(string href, Func<TList, List<TItem>> items, int pageSize, int maxItems, CancellationToken cancellationToken)
        where TList : SepList
    {
        var all = new List<TItem>();
        var separator = href.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        while (true)
        {
            var page = await GetAsync<TList>($"{href}{separator}s={all.Count}&l={pageSize}", cancellationToken).ConfigureAwait(false);
            var entries = items(page);
            all.AddRange(entries);
            if (entries.Count == 0 || all.Count >= page.All || all.Count >= maxItems)
            {
                return all;
            }
        }
    }

    private static ByteArrayContent Body<T>(T resource)
        where T : class
    {
        var content = new ByteArrayContent(SepXml.Write(resource));
        content.Headers.ContentType = new MediaTypeHeaderValue(Sep.MediaType);
        return content;
    }

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(RequestTimeout);
        return deadline;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string href, CancellationToken deadline, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            throw Translate(ex, href, cancellationToken);
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode;
            var reason = response.ReasonPhrase;
            response.Dispose();
            throw new SepClientException(SepClientError.Http, $"{href}: the server answered HTTP {(int)status} {reason}.".Replace(" .", ".", StringComparison.Ordinal));
        }

        return response;
    }

    private async Task<byte[]> ReadCappedAsync(Stream body, string href, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new SepClientException(SepClientError.TooLarge, $"{href}: the document is larger than {maxBytes:N0} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private SepClientException Translate(Exception ex, string href, CancellationToken cancellationToken)
    {
        if (ex is OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new SepClientException(SepClientError.Timeout, $"{href}: no complete answer within {RequestTimeout.TotalSeconds:0.#} s.", ex);
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException when tls?.LastRefusal is { } refusal:
                    return new SepClientException(SepClientError.Certificate, refusal, ex);
                case AuthenticationException auth:
                    return new SepClientException(SepClientError.Tls, TlsFailure.Cause(auth) is { } cause
                        ? $"The TLS handshake with {DeviceCapability.Authority} failed: {cause}."
                        : $"The TLS handshake with {DeviceCapability.Authority} failed ({TlsFailure.Innermost(auth)}).", ex);
                case SocketException socket:
                    return new SepClientException(SepClientError.Unreachable, $"{DeviceCapability.Authority} cannot be reached: {socket.SocketErrorCode}.", ex);
                case TimeoutException:
                    return new SepClientException(SepClientError.Timeout, $"{href}: no answer in time.", ex);
                default:
                    break;
            }
        }

        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
        {
            return new SepClientException(SepClientError.Unreachable, $"{DeviceCapability.Authority} cannot be reached.", ex);
        }

        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } && tls?.LastRefusal is null && ex.InnerException is IOException)
        {
            // No alert, no refusal: the server took the connection and closed it mid-handshake (overloaded, restarting,
            // a load balancer without a backend). That is lost contact, as a refused connection is — not a TLS fault.
            return new SepClientException(SepClientError.Unreachable, $"{DeviceCapability.Authority} closed the connection during the TLS handshake.", ex);
        }

        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
        {
            return new SepClientException(tls?.LastRefusal is null ? SepClientError.Tls : SepClientError.Certificate, tls?.LastRefusal ?? $"The TLS handshake with {DeviceCapability.Authority} failed ({TlsFailure.Innermost(ex)}).", ex);
        }

        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded })
        {
            // Servers that check a client certificate after the handshake (ASP.NET Core's Kestrel among them) close the
            // connection without an alert when they refuse it; an overloaded one may do the same. Kept as lost contact
            // (the rules held stay until their validity), named with its most likely cause.
            return new SepClientException(SepClientError.Unreachable, $"{DeviceCapability.Authority} closed the connection after the TLS handshake without answering {href}: most likely it does not accept this device's certificate (a CA it has not enrolled), or it is overloaded.", ex);
        }

        return new SepClientException(SepClientError.Unreachable, $"{href}: the connection failed ({ex.Message}).", ex);
    }
}
