using System.Net;
using System.Text;
using Kitu.V2X.Portal.Domain.GridSecurity.Ieee2030_5;

namespace Kitu.V2X.Portal.Tests.Integration.Grid;

/// <summary>
/// Sits between the client and the real sandbox connection and, while a fault is set, answers one path itself:
/// a bad document, an HTTP error or a long silence. Everything else goes to the server over TLS.
/// </summary>
internal sealed class FaultInjector(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public string? Path { get; set; }

    public Func<CancellationToken, Task<HttpResponseMessage>>? Fault { get; set; }

    public static Func<CancellationToken, Task<HttpResponseMessage>> Document(byte[] body) => _ =>
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(Sep.MediaType);
        return Task.FromResult(response);
    };

    public static Func<CancellationToken, Task<HttpResponseMessage>> Status(HttpStatusCode status) =>
        _ => Task.FromResult(new HttpResponseMessage(status));

    public static Func<CancellationToken, Task<HttpResponseMessage>> Silence() => async ct =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    };

    public static byte[] Text(string xml) => Encoding.UTF8.GetBytes(xml);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Fault is { } fault && request.RequestUri!.AbsolutePath == Path
            ? fault(cancellationToken)
            : base.SendAsync(request, cancellationToken);
}
