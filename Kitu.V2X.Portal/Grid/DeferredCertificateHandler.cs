using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kitu.V2X.Portal.Grid;

/// <summary>
/// A 2030.5 session's HTTP handler, made on its first request: the device certificate (its private key unprotected
/// and imported) is opened then, on the polling tasks, not for every binding one after the other at start — a
/// restart with thousands of bindings is ready in a moment and goes on with the rules it kept. A certificate that
/// cannot be opened fails that session's exchanges, as a TLS failure would, and no one else's.
/// </summary>
internal sealed class DeferredCertificateHandler(Func<X509Certificate2> certificate, Func<X509Certificate2, HttpMessageHandler> create) : HttpMessageHandler
{
    private readonly Lock gate = new();
    private HttpMessageInvoker? inner;
    private bool disposed;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Inner().SendAsync(request, cancellationToken);

    private HttpMessageInvoker Inner()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (inner is null)
            {
                X509Certificate2 opened;
                try
                {
                    opened = certificate();
                }
                catch (CryptographicException ex)
                {
                    throw new HttpRequestException($"The device certificate cannot be opened: {ex.Message}", ex);
                }

                inner = new HttpMessageInvoker(create(opened), disposeHandler: true);
            }

            return inner;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (gate)
            {
                disposed = true;
                inner?.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
