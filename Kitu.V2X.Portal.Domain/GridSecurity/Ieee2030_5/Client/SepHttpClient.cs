using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5.Client;

/// <summary>
/// GET, POST and PUT of 2030.5 resources over one device's HTTPS connection. Every failure — TLS, network,
/// timeout, HTTP status, media type, size, a document that does not parse — becomes a <see cref="SepClientException"/>
/// naming what went wrong and where; nothing else escapes.
/// </summary>
public sealed class SepHttpClient(HttpClient http, Uri deviceCapability, SepTls? tls = null, int maxBytes = SepXml.DefaultMaxBytes)
{
    private static readonly MediaTypeWithQualityHeaderValue Accept = new(Sep.MediaType);

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
        using var response = await SendAsync(request, href, cancellationToken).ConfigureAwait(false);
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
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = await ReadCappedAsync(body, href, cancellationToken).ConfigureAwait(false);
            return SepXml.Read<T>(buffer, maxBytes);
        }
        catch (SepFormatException ex)
        {
            throw SepClientException.FromFormat(ex, href);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw Translate(ex, href, cancellationToken);
        }
    }

    /// <summary>POSTs a resource; returns the Location the server gave, if any.</summary>
    public async Task<string?> PostAsync<T>(string href, T resource, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Resolve(href)) { Content = Body(resource) };
        using var response = await SendAsync(request, href, cancellationToken).ConfigureAwait(false);
        return response.Headers.Location?.OriginalString;
    }

    public async Task PutAsync<T>(string href, T resource, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Resolve(href)) { Content = Body(resource) };
        using var _ = await SendAsync(request, href, cancellationToken).ConfigureAwait(false);
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

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string href, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
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
            return new SepClientException(SepClientError.Timeout, $"{href}: no answer within {http.Timeout.TotalSeconds:0} s.", ex);
        }

        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AuthenticationException when tls?.LastRefusal is { } refusal:
                    return new SepClientException(SepClientError.Certificate, refusal, ex);
                case AuthenticationException auth:
                    return new SepClientException(SepClientError.Tls, $"The TLS handshake with {DeviceCapability.Authority} failed: {auth.Message}", ex);
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

        if (ex is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
        {
            return new SepClientException(tls?.LastRefusal is null ? SepClientError.Tls : SepClientError.Certificate, tls?.LastRefusal ?? $"The TLS handshake with {DeviceCapability.Authority} failed.", ex);
        }

        return new SepClientException(SepClientError.Unreachable, $"{href}: the connection failed ({ex.Message}).", ex);
    }
}
